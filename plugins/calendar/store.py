"""Stored calendar rows as `CalendarEvent`s, and the range queries the views run.

Every query that feeds a view or a conflict check selects rows whose series can overlap
the range (``starts_at < range end`` and the series not over before the range starts);
recurrence is expanded in Python afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import msgspec

from hub.db.tables import TeamMember
from plugins.calendar import tables as t
from plugins.calendar.events import CalendarEvent, make_uid, zone
from plugins.calendar.oncall import OnCallOverride as Override
from plugins.calendar.oncall import OnCallRotation as Rotation
from plugins.calendar.recurrence import expand
from plugins.calendar.rrule_text import parse_rrule, until_wall_time

# A COUNT rule longer than this is treated as open-ended when computing the series end.
_COUNT_LIMIT = 5_000
_DAY = timedelta(days=1)

ENTRY_COLUMNS = (
    t.CalendarEntry.id,
    t.CalendarEntry.kind,
    t.CalendarEntry.title,
    t.CalendarEntry.description,
    t.CalendarEntry.location,
    t.CalendarEntry.starts_at,
    t.CalendarEntry.ends_at,
    t.CalendarEntry.all_day,
    t.CalendarEntry.tz,
    t.CalendarEntry.rrule,
    t.CalendarEntry.exdates,
    t.CalendarEntry.rdates,
    t.CalendarEntry.customer,
    t.CalendarEntry.technician,
    t.CalendarEntry.team,
    t.CalendarEntry.task,
    t.CalendarEntry.devices,
    t.CalendarEntry.alarm_minutes,
    t.CalendarEntry.sequence,
    t.CalendarEntry.forced,
)


def decode_list(value: Any) -> list[Any]:
    """A JSON list column's value (text on SQLite, text or list on PostgreSQL)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    return msgspec.json.decode(value)


def encode_list(values: Iterable[Any]) -> str:
    """JSON text for a list column."""
    return msgspec.json.encode(list(values)).decode()


def _aware(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def row_event(row: dict[str, Any]) -> CalendarEvent:
    """The `CalendarEvent` of a `CalendarEntry` row (times converted to the row's zone)."""
    local = zone(row["tz"])
    devices = decode_list(row["devices"])
    meta: dict[str, Any] = {"id": row["id"], "forced": row["forced"]}
    if row["kind"] == "maintenance":
        meta["devices"] = devices
    return CalendarEvent(
        uid=make_uid(row["kind"], row["id"]),
        kind=row["kind"],
        title=row["title"],
        description=row["description"],
        location=row["location"],
        start=_aware(row["starts_at"]).astimezone(local),
        end=_aware(row["ends_at"]).astimezone(local),
        all_day=row["all_day"],
        tz=row["tz"],
        rrule=row["rrule"],
        exdates=[_aware(v) for v in decode_list(row["exdates"])],
        rdates=[_aware(v) for v in decode_list(row["rdates"])],
        customer_id=row["customer"],
        technician_id=row["technician"],
        team_id=row["team"],
        task_id=row["task"],
        sequence=row["sequence"],
        alarm_minutes_before=row["alarm_minutes"],
        meta=meta,
    )


def series_end(event: CalendarEvent) -> datetime | None:
    """End of the last instance of `event` (UTC); None when the series has no end."""
    if not event.is_recurring:
        return event.end.astimezone(UTC)
    length = event.end - event.start
    ends = [event.end.astimezone(UTC), *(r.astimezone(UTC) + length for r in event.rdates)]
    if event.rrule is None:
        return max(ends)
    rule = parse_rrule(event.rrule)
    if rule.until is not None:
        local = zone(event.tz)
        wall = until_wall_time(rule.until, local, event.all_day)
        # a day of slack covers wall-time lengths that differ across DST
        ends.append(wall.replace(tzinfo=local).astimezone(UTC) + length + _DAY)
        return max(ends)
    if rule.count is not None and rule.count <= _COUNT_LIMIT:
        far = event.start + timedelta(days=366 * 200)
        found = expand(event, event.start, far)
        return max([*ends, *(o.end for o in found[-1:])])
    return None


async def entries_in(
    start: datetime,
    end: datetime,
    *,
    kinds: Iterable[str],
    where: Iterable[Any] = (),
) -> list[CalendarEvent]:
    """Entries of `kinds` whose series can overlap ``[start, end)``, as events."""
    e = t.CalendarEntry
    query = e.select(*ENTRY_COLUMNS).where(
        e.kind.is_in(list(kinds)),
        e.starts_at < end,
        (e.series_ends_at.is_null()) | (e.series_ends_at >= start),
    )
    for clause in where:
        query = query.where(clause)
    return [row_event(r) for r in await query.order_by(e.id)]


async def team_members(team_id: int) -> list[int]:
    """Technician ids of the team's members."""
    rows = await TeamMember.select(TeamMember.technician).where(TeamMember.team == team_id)
    return [r["technician"] for r in rows]


def _handover(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


async def rotations(
    *, team_ids: Iterable[int] | None = None, rotation_id: int | None = None
) -> list[tuple[dict[str, Any], Rotation]]:
    """Stored rotations (optionally of some teams) with their overrides, as pure values."""
    r = t.OnCallRotation
    query = r.select().order_by(r.id)
    if team_ids is not None:
        query = query.where(r.team.is_in(list(team_ids) or [0]))
    if rotation_id is not None:
        query = query.where(r.id == rotation_id)
    rows = await query
    if not rows:
        return []
    o = t.OnCallOverride
    overrides: dict[int, list[Override]] = {row["id"]: [] for row in rows}
    for row in await o.select().where(o.rotation.is_in(list(overrides))).order_by(o.id):
        overrides[row["rotation"]].append(
            Override(
                technician_id=row["technician"],
                start=_aware(row["starts_at"]),
                end=_aware(row["ends_at"]),
                replaces=row["replaces"],
                reason=row["reason"],
            )
        )
    return [(row, rotation_value(row, overrides[row["id"]])) for row in rows]


def rotation_value(row: dict[str, Any], overrides: list[Override]) -> Rotation:
    """The pure `OnCallRotation` of a stored rotation row."""
    return Rotation(
        team_id=row["team"],
        members=decode_list(row["members"]),
        tz=row["tz"],
        start_date=row["start_date"],
        handover_time=_handover(row["handover_time"]),
        handover_weekday=row["handover_weekday"],
        period_days=row["period_days"],
        overrides=overrides,
    )
