"""Reading webhook JSON with errors that name the offending field.

Every accessor takes the dotted path of the value it reads, so a malformed payload
fails with ``alerts[2].startsAt: not an RFC 3339 time ('yesterday')`` rather than a
``KeyError`` deep in an adapter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any

from plugins.rmm.alerts import PayloadError

# The intake stamps the moment it accepted a POST in this header, so formats that carry
# no time of their own (legacy Grafana) still start the SLA clock at arrival.
RECEIVED_AT_HEADER = "x-atlas-received-at"

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?$")
_MAX_FRACTION = re.compile(r"(\.\d{6})\d+")
# Go's zero time: Alertmanager's endsAt for an alert that has not ended.
_GO_ZERO_YEAR = 1


def at(path: str, key: str | int) -> str:
    """Join a path and a key: ``at("alerts", 2)`` -> ``alerts[2]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def obj(value: Any, path: str) -> dict[str, Any]:
    """``value`` as a JSON object, else ``PayloadError``."""
    if not isinstance(value, dict):
        raise PayloadError(path or "body", f"expected a JSON object, got {_kind(value)}")
    return value


def array(value: Any, path: str) -> list[Any]:
    """``value`` as a JSON array, else ``PayloadError``."""
    if not isinstance(value, list):
        raise PayloadError(path, f"expected an array, got {_kind(value)}")
    return value


def required(mapping: Mapping[str, Any], key: str, path: str) -> Any:
    """``mapping[key]``, or ``PayloadError`` naming ``path.key`` when absent or null."""
    value = mapping.get(key)
    if value is None:
        raise PayloadError(at(path, key), "missing")
    return value


def text(value: Any, path: str) -> str:
    """A scalar as text; numbers are accepted because templating tools emit both."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise PayloadError(path, f"expected a string, got {_kind(value)}")


def optional_text(mapping: Mapping[str, Any], key: str, path: str) -> str | None:
    """``mapping[key]`` as text, ``None`` when absent, null or blank."""
    value = mapping.get(key)
    if value is None:
        return None
    result = text(value, at(path, key)).strip()
    return result or None


def string_map(value: Any, path: str) -> dict[str, str]:
    """A JSON object of scalars (labels, tags) as ``dict[str, str]``; null is empty."""
    if value is None:
        return {}
    return {str(k): text(v, at(path, str(k))) for k, v in obj(value, path).items()}


def rfc3339(value: Any, path: str) -> datetime:
    """Parse an RFC 3339 timestamp (offset required) to an aware UTC datetime.

    Go emits nanoseconds (``18:13:13.282059913Z``); they are cut to microseconds.
    """
    if not isinstance(value, str) or not _RFC3339.match(value.strip()):
        raise PayloadError(path, f"not an RFC 3339 time ({value!r})")
    return _from_iso(value.strip(), path, None)


def local_time(value: Any, path: str, zone: tzinfo) -> datetime:
    """Parse ``YYYY-MM-DD hh:mm:ss[.f][offset]``; a missing offset means ``zone``."""
    if not isinstance(value, str):
        raise PayloadError(path, f"not a time ({value!r})")
    cleaned = value.strip()
    if not (_RFC3339.match(cleaned) or _LOCAL_TIME.match(cleaned)):
        raise PayloadError(path, f"not a time ({value!r})")
    return _from_iso(cleaned, path, zone)


def _from_iso(value: str, path: str, zone: tzinfo | None) -> datetime:
    cleaned = _MAX_FRACTION.sub(r"\1", value)
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise PayloadError(path, f"not a valid date/time ({value!r})") from None
    if parsed.tzinfo is None:
        if zone is None:
            raise PayloadError(path, f"time has no UTC offset ({value!r})")
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def end_time(value: Any, path: str) -> datetime | None:
    """Alertmanager's ``endsAt``: Go's zero time or absent means not ended."""
    if value in (None, ""):
        return None
    parsed = rfc3339(value, path)
    return None if parsed.year == _GO_ZERO_YEAR else parsed


def epoch(value: Any, path: str) -> datetime:
    """Unix seconds (int, float or numeric string) as an aware UTC datetime."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise PayloadError(path, f"not a Unix timestamp ({value!r})") from None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(path, f"Unix timestamp out of range ({value!r})") from None


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names are case-insensitive; a plain dict is not."""
    return {k.lower(): v for k, v in headers.items()}


def received_time(headers: Mapping[str, str]) -> datetime:
    """When the hub received the POST, for formats that carry no time.

    Prefers the intake's ``X-Atlas-Received-At`` (RFC 3339), then the HTTP ``Date``
    header, then the current time.
    """
    lowered = lower_headers(headers)
    stamped = lowered.get(RECEIVED_AT_HEADER)
    if stamped:
        return rfc3339(stamped, f"headers.{RECEIVED_AT_HEADER}")
    date = lowered.get("date")
    if date:
        try:
            parsed = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
    return datetime.now(UTC)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )
