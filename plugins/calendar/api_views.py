"""``/api/v1/calendar`` (the unified view), ``/calendar/conflicts``,
``/calendar/free-slots`` and ``/api/v1/oncall``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter

from hub.auth import ANY_ROLE, STAFF
from hub.errors import BadRequest
from hub.runtime import Hub
from plugins.calendar import planning, rotations
from plugins.calendar.collect import collect, occurrences
from plugins.calendar.events import KIND_PATTERN
from plugins.calendar.runtime import settings_of
from plugins.calendar.schemas import (
    CalendarView,
    ConflictOut,
    FreeSlotsIn,
    FreeSlotsOut,
    OccurrenceOut,
    OnCallNow,
    SlotOut,
)

From = Annotated[datetime, QueryParameter(name="from", description="range start (ISO 8601)")]
To = Annotated[datetime, QueryParameter(name="to", description="range end, exclusive")]
Kinds = Annotated[list[str] | None, QueryParameter(name="kinds", required=False)]


def _aware(value: datetime) -> datetime:
    # A time without offset in a query string is read as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_range(hub: Hub, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The range in UTC; 400 when empty, reversed or longer than ``max_range_days``."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        raise BadRequest("'to' must be after 'from'", field="to")
    limit = settings_of(hub).max_range_days
    if end - start > timedelta(days=limit):
        raise BadRequest(f"the range may span at most {limit} days", field="to")
    return start, end


def _kinds(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    split = [k.strip() for v in values for k in v.split(",") if k.strip()]
    bad = [k for k in split if not KIND_PATTERN.match(k)]
    if bad:
        raise BadRequest(f"unknown kind syntax: {', '.join(bad)}", field="kinds")
    return split


class CalendarViewController(Controller):
    path = "/calendar"
    tags = ["calendar"]
    guards = [ANY_ROLE]

    @get(operation_id="getCalendar")
    async def view(
        self,
        hub: NamedDependency[Hub],
        start: FromQuery[From],
        end: FromQuery[To],
        technician_id: FromQuery[int | None] = None,
        team_id: FromQuery[int | None] = None,
        customer_id: FromQuery[int | None] = None,
        kinds: FromQuery[Kinds] = None,
    ) -> CalendarView:
        """Every plugin's events in ``[from, to)``, recurring ones expanded, sorted by start.

        ``kinds`` (repeated or comma-separated) limits the kinds; the other filters narrow
        to one technician, team (the team's and its members' items) or customer.
        """
        start, end = check_range(hub, start, end)
        filters: dict[str, Any] = {
            k: v
            for k, v in {
                "technician_id": technician_id,
                "team_id": team_id,
                "customer_id": customer_id,
                "kinds": _kinds(kinds),
            }.items()
            if v is not None
        }
        items = occurrences(await collect(hub.pm, start, end, filters), start, end)
        wanted = filters.get("kinds")
        out = [
            msgspec.convert(msgspec.structs.asdict(o), OccurrenceOut)
            for o in items
            if wanted is None or o.kind in wanted
        ]
        return CalendarView(start=start, end=end, count=len(out), items=out)

    @get("/conflicts", operation_id="listCalendarConflicts")
    async def conflicts(
        self,
        hub: NamedDependency[Hub],
        start: FromQuery[From],
        end: FromQuery[To],
        technician_id: FromQuery[int | None] = None,
        customer_id: FromQuery[int | None] = None,
    ) -> list[ConflictOut]:
        """Conflicts among stored bookings, leave, working hours and maintenance windows."""
        start, end = check_range(hub, start, end)
        found = await planning.existing_conflicts(start, end, technician_id, customer_id)
        return [msgspec.convert(msgspec.structs.asdict(c), ConflictOut) for c in found]

    @post("/free-slots", operation_id="findFreeSlots", guards=[STAFF], status_code=200)
    async def free_slots(
        self, hub: NamedDependency[Hub], data: JSONBody[FreeSlotsIn]
    ) -> FreeSlotsOut:
        """The next free slots of ``duration_minutes`` for a technician or a team.

        Free means inside working hours (technicians without any are always available)
        and clear of bookings, leave and maintenance they run. Slots start on a grid of
        ``step_minutes`` from local midnight and do not overlap each other.
        """
        after = _aware(data.after) if data.after else datetime.now(UTC)
        days = data.horizon_days or settings_of(hub).free_slot_horizon_days
        horizon = timedelta(days=days)
        slots = await planning.free_slots(
            duration=timedelta(minutes=data.duration_minutes),
            technician_id=data.technician_id,
            team_id=data.team_id,
            after=after,
            count=data.count,
            step=timedelta(minutes=data.step_minutes),
            horizon=horizon,
        )
        return FreeSlotsOut(
            slots=[SlotOut(start=s.start, end=s.end, technician_id=s.technician_id) for s in slots],
            searched_until=after + horizon,
        )


class OnCallController(Controller):
    path = "/oncall"
    tags = ["calendar"]
    guards = [ANY_ROLE]

    @get(operation_id="whoIsOnCall")
    async def on_call(
        self,
        at: Annotated[datetime | None, QueryParameter(name="at", required=False)] = None,
        team_id: FromQuery[int | None] = None,
    ) -> list[OnCallNow]:
        """Who is on call at ``at`` (default now) in every rotation (of one team)."""
        moment = _aware(at) if at else datetime.now(UTC)
        return await rotations.on_call_at(moment, team_id)
