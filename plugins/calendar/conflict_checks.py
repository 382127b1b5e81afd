"""Conflict rules against the store, for a booking or maintenance window being saved.

Runs inside the caller's write transaction, after `lock` has serialised writers of the
same technician or customer: on SQLite the transaction is ``BEGIN IMMEDIATE`` already;
on PostgreSQL a transaction-scoped advisory lock keeps two concurrent bookings of one
technician from both passing the check.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.db.engine import is_sqlite
from plugins.calendar import store
from plugins.calendar import tables as t
from plugins.calendar.conflicts import Conflict, check_booking, check_maintenance
from plugins.calendar.events import AVAILABILITY, BOOKING, LEAVE, MAINTENANCE, CalendarEvent
from plugins.calendar.intervals import cross_pairs
from plugins.calendar.recurrence import expand, expand_all

#: at most this many conflicts are listed in a refusal (the count says how many in all)
MAX_LISTED = 50


async def lock(kind: str, ident: int) -> None:
    """Serialise calendar writes for one technician or customer until the commit."""
    if is_sqlite():
        return
    await t.CalendarEntry.raw(
        "SELECT pg_advisory_xact_lock(hashtext({}))", f"atlas-calendar:{kind}:{ident}"
    )


async def booking_conflicts(event: CalendarEvent, own_id: int | None) -> list[Conflict]:
    """Double bookings, leave and working-hour gaps for a (moved) booking."""
    technician = event.technician_id
    if technician is None:
        return []
    e = t.CalendarEntry
    existing = await store.entries_in(
        event.start,
        event.end,
        kinds=[BOOKING, LEAVE, AVAILABILITY],
        where=[e.technician == technician, *([e.id != own_id] if own_id else [])],
    )
    has_hours = await e.exists().where(e.technician == technician, e.kind == AVAILABILITY)
    found: list[Conflict] = []
    for candidate in expand(event, event.start, event.end):
        occurrences = expand_all(existing, candidate.start, candidate.end)
        found.extend(check_booking(candidate, occurrences, has_working_hours=has_hours))
    return found


def _check_window(event: CalendarEvent, horizon: timedelta) -> tuple[datetime, datetime]:
    """The span a (recurring) window is checked over: its start to its end or the horizon."""
    start = event.start.astimezone(UTC)
    limit = max(start, datetime.now(UTC)) + horizon
    last = store.series_end(event)
    return start, min(last, limit) if last is not None else limit


async def maintenance_conflicts(
    event: CalendarEvent, own_id: int | None, horizon: timedelta
) -> list[Conflict]:
    """Other windows of the customer overlapping any instance of `event` in the horizon.

    Two windows limited to disjoint device sets do not conflict: they touch different
    machines. A window without devices covers all of the customer's devices.
    """
    if event.customer_id is None:
        return []
    start, end = _check_window(event, horizon)
    e = t.CalendarEntry
    others = await store.entries_in(
        start,
        end,
        kinds=[MAINTENANCE],
        where=[e.customer == event.customer_id, *([e.id != own_id] if own_id else [])],
    )
    mine = expand(event, start, end)
    theirs = expand_all(others, start, end)
    devices = set(event.meta.get("devices") or ())
    found: list[Conflict] = []
    for candidate, other in cross_pairs(mine, theirs):
        other_devices = set(other.meta.get("devices") or ())
        if devices and other_devices and not devices & other_devices:
            continue
        found.extend(check_maintenance(candidate, [other]))
    found.sort(key=lambda c: (c.start, c.other_uid or ""))
    return found
