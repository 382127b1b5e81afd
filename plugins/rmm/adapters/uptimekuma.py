"""Uptime Kuma "Webhook" notifications (the default application/json body).

Documentation followed: Uptime Kuma's webhook notification provider,
``server/notification-providers/webhook.js`` (louislam/uptime-kuma): the body is
``{"heartbeat": heartbeatJSON, "monitor": monitorJSON, "msg": msg}``; the heartbeat
carries ``monitorID``, ``status`` (``src/util.ts``: 0 DOWN, 1 UP, 2 PENDING,
3 MAINTENANCE), ``time`` (UTC, ``YYYY-MM-DD HH:mm:ss.SSS``), ``msg``, ``ping``,
``important``, ``duration``, ``timezone``, ``timezoneOffset``, ``localDateTime``; the
monitor carries ``id``, ``name``, ``url``, ``hostname``, ``port``, ``type``,
``description`` and ``tags`` (``[{name, value}]``). The Test button sends
``heartbeat`` and ``monitor`` as null: that parses to an empty batch.

A DOWN heartbeat fires, an UP heartbeat resolves. Fingerprint:
``sha256(source, monitor id)``. Customer and site come from monitor tags named like
the ``customer_labels`` / ``site_labels`` settings (default ``customer``/``client``/
``tenant`` and ``site``/``location``).

Settings: ``source`` (default ``uptimekuma``), ``base_url`` (Kuma's address, for
dashboard links), ``severity_map``, ``customer_labels``, ``site_labels``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from plugins.rmm.adapters.payload import (
    array,
    at,
    local_time,
    obj,
    optional_text,
    required,
    text,
)
from plugins.rmm.alerts import (
    NormalizedAlert,
    PayloadError,
    SeverityRank,
    customer_hint_from,
    fingerprint_for,
    rank_severity,
    site_from,
)

NAME = "uptimekuma"
# status code -> (alert status, raw severity)
_STATES = {
    0: ("firing", "down"),
    1: ("resolved", "up"),
    2: ("firing", "pending"),
    3: ("resolved", "maintenance"),
}
SEVERITY_RANKS: dict[str, SeverityRank] = {
    "down": "high",
    "pending": "warning",
    "up": "info",
    "maintenance": "info",
}


def parse(
    payload: dict[str, Any], headers: Mapping[str, str], settings: dict[str, Any]
) -> list[NormalizedAlert]:
    """Parse one Uptime Kuma webhook notification (an empty batch for a test send)."""
    body = obj(payload, "")
    if body.get("heartbeat") is None and body.get("monitor") is None:
        if "msg" not in body:
            raise PayloadError("heartbeat", "missing")
        return []
    source = settings.get("source", NAME)
    beat = obj(required(body, "heartbeat", ""), "heartbeat")
    monitor = obj(required(body, "monitor", ""), "monitor")
    code = required(beat, "status", "heartbeat")
    if isinstance(code, bool) or code not in _STATES:
        raise PayloadError("heartbeat.status", f"expected 0, 1, 2 or 3, got {code!r}")
    status, severity = _STATES[code]
    time = local_time(required(beat, "time", "heartbeat"), "heartbeat.time", UTC)

    monitor_id = text(
        monitor.get("id", beat.get("monitorID")) or required(monitor, "name", "monitor"),
        "monitor.id",
    )
    name = optional_text(monitor, "name", "monitor") or f"monitor {monitor_id}"
    labels = {"monitor_id": monitor_id, "monitor": name, **_tags(monitor.get("tags"))}
    monitor_type = optional_text(monitor, "type", "monitor")
    if monitor_type:
        labels["monitor_type"] = monitor_type
    target = optional_text(monitor, "url", "monitor")
    message = optional_text(beat, "msg", "heartbeat") or optional_text(body, "msg", "") or ""
    return [
        NormalizedAlert(
            source=source,
            fingerprint=fingerprint_for(source, {"monitor_id": monitor_id}),
            status=status,  # type: ignore[arg-type]
            severity=severity,
            severity_rank=rank_severity(severity, settings, SEVERITY_RANKS),
            title=f"{name} is {severity}",
            description=message,
            # The DOWN beat is the start; an UP beat is the end of that outage.
            starts_at=time,
            ends_at=time if status == "resolved" else None,
            device=optional_text(monitor, "hostname", "monitor") or _host(target) or name,
            customer_hint=customer_hint_from(labels, settings),
            site=site_from(labels, settings),
            labels=labels,
            url=_link(settings, monitor_id, target),
            raw=body,
        )
    ]


def _tags(value: Any) -> dict[str, str]:
    tags: dict[str, str] = {}
    for index, item in enumerate(array(value or [], "monitor.tags")):
        tag = obj(item, at("monitor.tags", index))
        name = optional_text(tag, "name", at("monitor.tags", index))
        if name:
            tags[name] = optional_text(tag, "value", at("monitor.tags", index)) or ""
    return tags


def _host(url: str | None) -> str | None:
    if not url or "://" not in url:
        return None
    return urlsplit(url).hostname


def _link(settings: Mapping[str, Any], monitor_id: str, target: str | None) -> str | None:
    base = settings.get("base_url")
    if base:
        return f"{str(base).rstrip('/')}/dashboard/{monitor_id}"
    return target if target and target.startswith(("http://", "https://")) else None
