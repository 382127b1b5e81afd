"""Store-backed planning questions: which conflicts exist, when someone is free.

Both answer over expanded occurrences of the stored entries, using the pure rules in
`conflicts.py` and `free_slots.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hub.db.tables import Team, Technician
from hub.errors import BadRequest
from plugins.calendar import store
from plugins.calendar import tables as t
from plugins.calendar.conflicts import MAINTENANCE_OVERLAP, Conflict, all_conflicts
from plugins.calendar.events import (
    AVAILABILITY,
    BOOKING,
    LEAVE,
    MAINTENANCE,
    Occurrence,
    make_uid,
)
from plugins.calendar.free_slots import Slot, next_free_slots, next_free_team_slots
from plugins.calendar.recurrence import expand_all


async def _technicians_with_hours() -> set[int]:
    e = t.CalendarEntry
    rows = await e.select(e.technician).where(e.kind == AVAILABILITY).distinct()
    return {r["technician"] for r in rows if r["technician"] is not None}


async def existing_conflicts(
    start: datetime,
    end: datetime,
    technician_id: int | None = None,
    customer_id: int | None = None,
) -> list[Conflict]:
    """Every broken rule among the stored entries in ``[start, end)``."""
    e = t.CalendarEntry
    where = []
    if technician_id is not None:
        where.append(e.technician == technician_id)
    if customer_id is not None:
        where.append(e.customer == customer_id)
    events = await store.entries_in(
        start, end, kinds=[BOOKING, LEAVE, AVAILABILITY, MAINTENANCE], where=where
    )
    devices = {ev.uid: set(ev.meta.get("devices") or ()) for ev in events}
    found = all_conflicts(
        expand_all(events, start, end), technicians_with_hours=await _technicians_with_hours()
    )
    return [c for c in found if not _disjoint_devices(c, devices)]


def _disjoint_devices(conflict: Conflict, devices: dict[str, set[int]]) -> bool:
    if conflict.kind != MAINTENANCE_OVERLAP or conflict.other_uid is None:
        return False
    mine, theirs = devices.get(conflict.uid, set()), devices.get(conflict.other_uid, set())
    return bool(mine and theirs and not mine & theirs)


async def _plan(
    technicians: list[int], start: datetime, end: datetime
) -> tuple[list[Occurrence], list[Occurrence]]:
    """(busy, working hours) of `technicians` over the range; no hours = always available."""
    e = t.CalendarEntry
    events = await store.entries_in(
        start,
        end,
        kinds=[BOOKING, LEAVE, AVAILABILITY, MAINTENANCE],
        where=[e.technician.is_in(technicians or [0])],
    )
    occurrences = expand_all(events, start, end)
    busy = [o for o in occurrences if o.kind != AVAILABILITY]
    hours = [o for o in occurrences if o.kind == AVAILABILITY]
    with_hours = await _technicians_with_hours()
    # Conflict checks treat technicians without working hours as available at any time;
    # free-slot search must agree, or it would never suggest them.
    for technician in technicians:
        if technician not in with_hours:
            hours.append(
                Occurrence(
                    uid=make_uid(AVAILABILITY, f"always-{technician}"),
                    kind=AVAILABILITY,
                    title="Always available",
                    start=start,
                    end=end,
                    technician_id=technician,
                )
            )
    return busy, hours


async def free_slots(
    *,
    duration: timedelta,
    technician_id: int | None,
    team_id: int | None,
    after: datetime,
    count: int,
    step: timedelta,
    horizon: timedelta,
) -> list[Slot]:
    """The next `count` free slots of `duration` for a technician or any team member."""
    if (technician_id is None) == (team_id is None):
        raise BadRequest("give exactly one of technician_id and team_id")
    end = after + horizon
    if technician_id is not None:
        row = await Technician.select().where(Technician.id == technician_id).first()
        if row is None:
            raise BadRequest(f"technician {technician_id} does not exist", field="technician_id")
        busy, hours = await _plan([technician_id], after, end)
        return next_free_slots(
            duration,
            busy,
            hours,
            after,
            count,
            step,
            tz=row["timezone"] or "UTC",
            technician_id=technician_id,
        )
    team = await Team.select().where(Team.id == team_id).first()
    if team is None:
        raise BadRequest(f"team {team_id} does not exist", field="team_id")
    members = await store.team_members(team_id)  # type: ignore[arg-type]
    if not members:
        raise BadRequest(f"team {team_id} has no members", field="team_id")
    busy, hours = await _plan(members, after, end)
    return next_free_team_slots(
        duration, sorted(members), busy, hours, after, count, step, tz=team["timezone"] or "UTC"
    )
