"""The calendar plugin's own event kinds in a range, for the hook, the views and feeds.

`own_events` answers ``hub_calendar_events`` for this plugin. It returns expanded
`Occurrence`s inside the range (what alert suppression and the unified view need),
or, when ``filters["series"]`` is true, stored recurring entries as whole
`CalendarEvent`s with their RRULE (what a feed writes); derived kinds (on-call shifts,
SLA deadlines, milestones) are occurrences either way.

Filters narrow: an item matches when every filter given matches it. ``team_id`` matches
items of the team or of one of its members.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hub.db.tables import Team, Technician
from plugins.calendar import store
from plugins.calendar import tables as t
from plugins.calendar.deadlines import TaskScope, milestones, sla_deadlines
from plugins.calendar.errors import CalendarError
from plugins.calendar.events import (
    AVAILABILITY,
    BOOKING,
    KNOWN_KINDS,
    LEAVE,
    MAINTENANCE,
    MILESTONE,
    ONCALL,
    SLA_DEADLINE,
    UID_DOMAIN,
    CalendarEvent,
    Occurrence,
)
from plugins.calendar.oncall import shifts
from plugins.calendar.recurrence import expand

ENTRY_KINDS = frozenset({MAINTENANCE, AVAILABILITY, LEAVE, BOOKING})


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    """The ``filters`` of ``hub_calendar_events`` this plugin understands."""

    technician_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None
    kinds: list[str] | None = None
    series: bool = False


def parse_filters(raw: dict[str, Any] | None) -> Filters:
    """Typed filters; keys other plugins may use are ignored, bad values are errors."""
    known = {k: v for k, v in (raw or {}).items() if k in Filters.__struct_fields__}
    try:
        return msgspec.convert(known, Filters)
    except msgspec.ValidationError as exc:
        raise CalendarError(f"calendar filters: {exc}") from exc


def matches(item: CalendarEvent | Occurrence, filters: Filters, members: list[int]) -> bool:
    """True when `item` satisfies every filter given."""
    if filters.kinds is not None and item.kind not in filters.kinds:
        return False
    if filters.customer_id is not None and item.customer_id != filters.customer_id:
        return False
    if filters.technician_id is not None and item.technician_id != filters.technician_id:
        return False
    if filters.team_id is not None:
        return item.team_id == filters.team_id or item.technician_id in members
    return True


async def own_events(
    start: datetime, end: datetime, filters: Filters, alarm_minutes: int
) -> list[CalendarEvent | Occurrence]:
    """This plugin's events of the wanted kinds that overlap ``[start, end)``."""
    kinds = KNOWN_KINDS if filters.kinds is None else KNOWN_KINDS & set(filters.kinds)
    members = await store.team_members(filters.team_id) if filters.team_id is not None else []
    found: list[CalendarEvent | Occurrence] = []
    entry_kinds = kinds & ENTRY_KINDS
    if entry_kinds:
        for event in await store.entries_in(
            start, end, kinds=entry_kinds, where=_entry_where(filters, members)
        ):
            if filters.series and event.is_recurring:
                found.append(event)
            else:
                found.extend(expand(event, start, end))
    if ONCALL in kinds and filters.customer_id is None:
        found.extend(await oncall_shifts(start, end, filters.team_id, filters.technician_id))
    if SLA_DEADLINE in kinds:
        scope = TaskScope(
            technician_id=filters.technician_id,
            team_id=filters.team_id,
            team_members=members,
            customer_id=filters.customer_id,
        )
        found.extend(await sla_deadlines(start, end, scope, alarm_minutes))
    if MILESTONE in kinds and filters.technician_id is None and filters.team_id is None:
        found.extend(await milestones(start, end, filters.customer_id))
    return [item for item in found if matches(item, filters, members)]


def _entry_where(filters: Filters, members: list[int]) -> list[Any]:
    e = t.CalendarEntry
    clauses: list[Any] = []
    if filters.customer_id is not None:
        clauses.append(e.customer == filters.customer_id)
    if filters.technician_id is not None:
        clauses.append(e.technician == filters.technician_id)
    if filters.team_id is not None:
        clauses.append((e.team == filters.team_id) | e.technician.is_in(members or [0]))
    return clauses


async def names(technician_ids: set[int]) -> dict[int, str]:
    """Technician id -> name."""
    if not technician_ids:
        return {}
    rows = await Technician.select(Technician.id, Technician.name).where(
        Technician.id.is_in(sorted(technician_ids))
    )
    return {r["id"]: r["name"] for r in rows}


async def oncall_shifts(
    start: datetime, end: datetime, team_id: int | None, technician_id: int | None
) -> list[Occurrence]:
    """On-call shifts of every rotation (of one team) overlapping the range, named."""
    loaded = await store.rotations(team_ids=None if team_id is None else [team_id])
    if not loaded:
        return []
    teams = {
        r["id"]: r["name"]
        for r in await Team.select(Team.id, Team.name).where(
            Team.id.is_in(sorted({row["team"] for row, _ in loaded}))
        )
    }
    found: list[Occurrence] = []
    pieces = [(row, shifts(rotation, start, end)) for row, rotation in loaded]
    who = await names(
        {occ.technician_id for _, occs in pieces for occ in occs if occ.technician_id}
    )
    for row, occurrences in pieces:
        for occ in occurrences:
            if technician_id is not None and occ.technician_id != technician_id:
                continue
            found.append(_named_shift(row, teams.get(row["team"], ""), occ, who))
    return found


def _named_shift(
    row: dict[str, Any], team: str, occ: Occurrence, who: dict[int, str]
) -> Occurrence:
    # One team may run several rotations (primary, secondary): the rotation id, not the
    # team, keeps UIDs apart; the rotation's SEQUENCE tells clients a shift changed.
    stamp = occ.start.strftime("%Y%m%dT%H%M%SZ")
    person = who.get(occ.technician_id or 0, f"technician {occ.technician_id}")
    scheduled = occ.meta.get("scheduled")
    note = f" (covering for {who.get(scheduled, scheduled)})" if occ.meta.get("override") else ""
    return msgspec.structs.replace(
        occ,
        uid=f"{ONCALL}-{row['id']}-{stamp}@{UID_DOMAIN}",
        title=f"On call ({team} / {row['name']}): {person}{note}",
        sequence=row["sequence"],
        meta={**occ.meta, "rotation_id": row["id"]},
    )
