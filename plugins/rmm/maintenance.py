"""Maintenance windows, asked of the calendar through ``hub_calendar_events``.

The call is ``hub.pm.hook.hub_calendar_events(range=TimeRange(start, end),
filters={"customer_id": <id>, "kinds": ["maintenance"]})``; results may be awaitable.
An event is any object or dict with:

* ``start``, ``end`` — aware datetimes (required);
* ``customer_id`` — the customer (``None``: every customer);
* ``device`` — a host name the window is limited to (optional; also read from
  ``meta["device"]``), or ``meta["devices"]`` — registry device ids (the calendar
  plugin's form); absent or empty means every device of the customer;
* ``title`` — shown in the alert's reason (optional); ``kind`` if present must be
  ``maintenance``.

A calendar that fails is logged and treated as "no window": opening a task during
maintenance is better than losing an alert.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.contracts import TimeRange
from hub.db.tables import Device
from hub.logs import get_logger
from hub.plugins import PluginManager, await_all, flatten
from plugins.rmm.correlation import MaintenanceWindow
from plugins.rmm.directory import device_key

log = get_logger("plugins.rmm.maintenance")


def _field(event: Any, name: str) -> Any:
    if isinstance(event, dict):
        return event.get(name)
    return getattr(event, name, None)


def to_windows(event: Any, customer_id: int, hostnames: dict[int, str]) -> list[MaintenanceWindow]:
    """A calendar event as ``MaintenanceWindow``s (one per listed device); ``[]`` if unusable."""
    start, end = _field(event, "start"), _field(event, "end")
    kind = _field(event, "kind")
    if not isinstance(start, datetime) or not isinstance(end, datetime) or end <= start:
        return []
    if kind not in (None, "maintenance"):
        return []
    owner = _field(event, "customer_id")
    if owner is not None and str(owner) != str(customer_id):
        return []
    devices: list[str | None] = []
    device = _field(event, "device")
    meta = _field(event, "meta")
    if not device and isinstance(meta, dict):
        device = meta.get("device")
        ids = meta.get("devices") or []
        # a window for devices no longer registered must not widen to the whole customer
        devices = [hostnames.get(int(i), f"#gone-{i}") for i in ids if str(i).isdigit()]
    if isinstance(device, str) and device:
        devices.append(device_key(device))
    return [
        MaintenanceWindow(
            starts_at=start if start.tzinfo else start.replace(tzinfo=UTC),
            ends_at=end if end.tzinfo else end.replace(tzinfo=UTC),
            customer_id=str(customer_id),
            device=name,
            title=str(_field(event, "title") or ""),
        )
        for name in (devices or [None])
    ]


def _device_ids(events: list[Any]) -> set[int]:
    ids: set[int] = set()
    for event in events:
        meta = _field(event, "meta")
        if isinstance(meta, dict):
            ids.update(int(i) for i in meta.get("devices") or [] if str(i).isdigit())
    return ids


async def windows_for(
    pm: PluginManager, customer_id: int, start: datetime, end: datetime
) -> tuple[MaintenanceWindow, ...]:
    """Maintenance windows of a customer overlapping ``[start, end]``."""
    try:
        results = await await_all(
            pm.hook.hub_calendar_events(
                range=TimeRange(start=start, end=end),
                filters={"customer_id": customer_id, "kinds": ["maintenance"]},
            )
        )
    except Exception as exc:
        log.warning("maintenance_lookup_failed", customer_id=customer_id, error=repr(exc))
        return ()
    events = flatten(results)
    ids = _device_ids(events)
    hostnames: dict[int, str] = {}
    if ids:
        rows = await Device.select(Device.id, Device.hostname).where(Device.id.is_in(list(ids)))
        hostnames = {r["id"]: r["hostname"] for r in rows}
    return tuple(w for e in events for w in to_windows(e, customer_id, hostnames))
