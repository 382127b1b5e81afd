"""Reading stored calendar entries for the API."""

from __future__ import annotations

from typing import Any

from hub.errors import NotFound
from plugins.calendar import store
from plugins.calendar import tables as t
from plugins.calendar.schemas import EntryOut


def entry_out(row: dict[str, Any]) -> EntryOut:
    """The API view of a `CalendarEntry` row (times shown in the entry's zone)."""
    event = store.row_event(row)
    return EntryOut(
        id=row["id"],
        uid=event.uid,
        kind=row["kind"],
        title=row["title"],
        description=row["description"],
        location=row["location"],
        start=event.start,
        end=event.end,
        all_day=row["all_day"],
        tz=row["tz"],
        rrule=row["rrule"],
        exdates=event.exdates,
        rdates=event.rdates,
        customer_id=row["customer"],
        technician_id=row["technician"],
        team_id=row["team"],
        task_id=row["task"],
        devices=store.decode_list(row["devices"]),
        alarm_minutes_before=row["alarm_minutes"],
        sequence=row["sequence"],
        forced=row["forced"],
        forced_conflicts=store.decode_list(row["forced_conflicts"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def get_entry(kind: str, entry_id: int) -> dict[str, Any]:
    """The row of entry `entry_id` of `kind`; 404 otherwise."""
    e = t.CalendarEntry
    row = await e.select().where(e.id == entry_id, e.kind == kind).first()
    if row is None:
        raise NotFound(kind.replace("_", " "), entry_id)
    return row


async def list_entries(kind: str, **filters: int | None) -> list[EntryOut]:
    """Entries of `kind`, optionally of one customer/technician/team/task column."""
    e = t.CalendarEntry
    query = e.select().where(e.kind == kind).order_by(e.starts_at).order_by(e.id)
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(e, column) == value)
    return [entry_out(row) for row in await query]
