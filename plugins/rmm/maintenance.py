"""Maintenance windows, asked of the calendar through ``hub_calendar_events``.

The call is ``hub.pm.hook.hub_calendar_events(range=TimeRange(start, end),
filters={"customer_id": <id>, "kinds": ["maintenance"]})``; results may be awaitable.
An event is any object or dict with:

* ``start``, ``end`` — aware datetimes (required);
* ``customer_id`` — the customer (``None``: every customer);
* ``device`` — a host name the window is limited to (optional; also read from
  ``meta["device"]``); absent means every device of the customer;
* ``title`` — shown in the alert's reason (optional); ``kind`` if present must be
  ``maintenance``.

A calendar that fails is logged and treated as "no window": opening a task during
maintenance is better than losing an alert.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.contracts import TimeRange
from hub.logs import get_logger
from hub.plugins import PluginManager, await_all, flatten
from plugins.rmm.correlation import MaintenanceWindow
from plugins.rmm.directory import device_key

log = get_logger("plugins.rmm.maintenance")


def _field(event: Any, name: str) -> Any:
    if isinstance(event, dict):
        return event.get(name)
    return getattr(event, name, None)


def to_window(event: Any, customer_id: int) -> MaintenanceWindow | None:
    """A calendar event as a ``MaintenanceWindow``; ``None`` if it is not usable."""
    start, end = _field(event, "start"), _field(event, "end")
    kind = _field(event, "kind")
    if not isinstance(start, datetime) or not isinstance(end, datetime) or end <= start:
        return None
    if kind not in (None, "maintenance"):
        return None
    owner = _field(event, "customer_id")
    if owner is not None and str(owner) != str(customer_id):
        return None
    device = _field(event, "device")
    meta = _field(event, "meta")
    if not device and isinstance(meta, dict):
        device = meta.get("device")
    return MaintenanceWindow(
        starts_at=start if start.tzinfo else start.replace(tzinfo=UTC),
        ends_at=end if end.tzinfo else end.replace(tzinfo=UTC),
        customer_id=str(customer_id),
        device=device_key(device) if isinstance(device, str) and device else None,
        title=str(_field(event, "title") or ""),
    )


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
    windows = (to_window(e, customer_id) for e in flatten(results))
    return tuple(w for w in windows if w is not None)
