"""Atlas Hub's generic alert JSON, with a field mapping for tools that post their own.

This is the format the hub documents for anything without a dedicated adapter (a
Datto RMM, NinjaOne or N-able webhook whose body template the MSP writes, a script, a
home-grown monitor). Documentation followed: this module is that document; times are
RFC 3339 (https://www.rfc-editor.org/rfc/rfc3339). The body is one alert or
``{"alerts": [...]}``::

    {
      "alerts": [
        {
          "id": "dc01-disk-c",               # optional stable id; else hashed (below)
          "status": "firing",                # or "resolved"
          "severity": "critical",            # the tool's own level
          "title": "Disk C: below 5% free",
          "description": "C: has 3.1 GB free",
          "starts_at": "2026-12-03T18:13:13Z",   # optional; arrival time when absent
          "ends_at": null,
          "device": "dc01.acme.local",
          "customer": "acme",
          "site": "HQ",
          "labels": {"check": "disk"},
          "url": "https://rmm.example/alerts/123"
        }
      ]
    }

Field mapping (settings): ``alerts_path`` (dotted path to the alert list; ``""`` means
the body is a single alert), ``fields`` (normalised name -> dotted path inside one
alert, e.g. ``{"title": "alert.message", "device": "device.hostname",
"starts_at": "alert.timestamp"}``; list items by index: ``items.0.name``),
``status_map`` (tool value -> ``firing``/``resolved``, case-insensitive),
``default_status``, ``time_format`` (``rfc3339`` default, ``unix``, ``unix_ms``,
``local`` for ``YYYY-MM-DD hh:mm:ss`` in ``timezone``, or a ``strptime`` pattern),
``timezone`` (for zone-less times), ``identity_fields``
(normalised names hashed into the fingerprint when there is no ``id``; default
device, title, customer), plus ``severity_map``/``default_severity_rank``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from plugins.rmm.adapters.payload import (
    array,
    at,
    epoch,
    local_time,
    obj,
    received_time,
    rfc3339,
    string_map,
    text,
)
from plugins.rmm.alerts import NormalizedAlert, PayloadError, fingerprint_for, rank_severity

NAME = "generic"
FIELDS = (
    "id",
    "status",
    "severity",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "device",
    "customer",
    "site",
    "labels",
    "url",
)
_STATUSES = {"firing": "firing", "resolved": "resolved"}
_DEFAULT_IDENTITY = ("device", "title", "customer")
_MISSING = object()


def parse(
    payload: dict[str, Any], headers: Mapping[str, str], settings: dict[str, Any]
) -> list[NormalizedAlert]:
    """Parse the generic format, or a tool's own JSON through ``settings["fields"]``."""
    body = obj(payload, "")
    source = settings.get("source", NAME)
    alerts_path = settings.get("alerts_path", "alerts" if "alerts" in body else "")
    if alerts_path:
        found = dig(body, alerts_path)
        if found is _MISSING:
            raise PayloadError(alerts_path, "missing")
        items = [(at(alerts_path, i), a) for i, a in enumerate(array(found, alerts_path))]
    else:
        items = [("", body)]
    mapping = {name: name for name in FIELDS} | dict(settings.get("fields") or {})
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise ValueError(f"settings.fields: unknown field(s) {sorted(unknown)}")
    return [
        _one(obj(item, path or "body"), path, mapping, headers, settings, source)
        for path, item in items
    ]


def dig(value: Any, path: str) -> Any:
    """Follow a dotted path (``a.b.0.c``) through objects and arrays; ``_MISSING`` if absent."""
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _one(
    alert: dict[str, Any],
    path: str,
    mapping: Mapping[str, str],
    headers: Mapping[str, str],
    settings: Mapping[str, Any],
    source: str,
) -> NormalizedAlert:
    def where(name: str) -> str:
        return at(path, mapping[name])

    def get_text(name: str) -> str | None:
        value = dig(alert, mapping[name])
        if value is _MISSING or value is None:
            return None
        return text(value, where(name)).strip() or None

    status = _status(get_text("status"), settings, where("status"))
    title = get_text("title")
    if not title:
        raise PayloadError(where("title"), "missing")
    starts_at = _time(dig(alert, mapping["starts_at"]), where("starts_at"), settings)
    ends_raw = dig(alert, mapping["ends_at"])
    ends_at = (
        _time(ends_raw, where("ends_at"), settings)
        if ends_raw not in (_MISSING, None, "")
        else None
    )
    labels_raw = dig(alert, mapping["labels"])
    labels = string_map(None if labels_raw is _MISSING else labels_raw, where("labels"))
    normalised = {
        "device": get_text("device"),
        "customer": get_text("customer"),
        "site": get_text("site"),
        "title": title,
    }
    identity_fields = settings.get("identity_fields") or _DEFAULT_IDENTITY
    identity = {name: normalised.get(name) or labels.get(name) or "" for name in identity_fields}
    severity = get_text("severity") or ""
    return NormalizedAlert(
        source=source,
        fingerprint=get_text("id") or fingerprint_for(source, identity),
        status=status,  # type: ignore[arg-type]
        severity=severity,
        severity_rank=rank_severity(severity, settings),
        title=title,
        description=get_text("description") or "",
        starts_at=starts_at or received_time(headers),
        ends_at=(ends_at or received_time(headers)) if status == "resolved" else None,
        device=normalised["device"],
        customer_hint=normalised["customer"],
        site=normalised["site"],
        labels=labels,
        url=get_text("url"),
        raw=alert,
    )


def _status(value: str | None, settings: Mapping[str, Any], path: str) -> str:
    if value is None:
        value = settings.get("default_status")
        if value is None:
            raise PayloadError(path, "missing")
    table = _STATUSES | {str(k).lower(): v for k, v in (settings.get("status_map") or {}).items()}
    status = table.get(value.lower())
    if status not in ("firing", "resolved"):
        raise PayloadError(path, f"unknown status {value!r} (map it with settings.status_map)")
    return status


def _time(value: Any, path: str, settings: Mapping[str, Any]) -> datetime | None:
    if value is _MISSING or value in (None, ""):
        return None
    fmt = settings.get("time_format", "rfc3339")
    zone = ZoneInfo(settings.get("timezone", "UTC"))
    if fmt == "rfc3339":
        return rfc3339(value, path)
    if fmt == "unix":
        return epoch(value, path)
    if fmt == "unix_ms":
        try:
            return epoch(float(value) / 1000, path)
        except (TypeError, ValueError):
            raise PayloadError(path, f"not a Unix millisecond timestamp ({value!r})") from None
    if fmt == "local":
        return local_time(value, path, zone)
    try:
        parsed = datetime.strptime(text(value, path), fmt)
    except ValueError:
        raise PayloadError(path, f"does not match time format {fmt!r} ({value!r})") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)
