"""Time logged against tasks, editable until invoiced; totals for billing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.tables import Task, Technician, TimeEntry
from hub.errors import BadRequest, Conflict, Forbidden, NotFound
from hub.schemas.tasks import TimeEntryIn, TimeEntryOut, TimeEntryPatch, TimeTotals
from hub.services import audit
from hub.services.context import Actor
from hub.services.task_rows import load_row
from hub.services.tasks import HubLike, event_for, now_utc


def _out(row: dict[str, Any]) -> TimeEntryOut:
    return TimeEntryOut(
        id=row["id"],
        task_id=row["task"],
        technician_id=row["technician"],
        started_at=row["started_at"],
        minutes=row["minutes"],
        billable=row["billable"],
        work_type=row["work_type"],
        note=row["note"],
        invoice_id=row["invoice_id"],
    )


def _minutes(data: TimeEntryIn) -> int:
    if (data.minutes is None) == (data.ended_at is None):
        raise BadRequest("give either minutes or ended_at", field="minutes")
    if data.minutes is not None:
        return data.minutes
    assert data.ended_at is not None
    seconds = (data.ended_at - data.started_at).total_seconds()
    if seconds <= 0:
        raise BadRequest("ended_at: must be after started_at", field="ended_at")
    if seconds > 24 * 3600:
        raise BadRequest("ended_at: an entry covers at most 24 hours", field="ended_at")
    return max(1, round(seconds / 60))


async def log_time(hub: HubLike, task_id: int, data: TimeEntryIn, actor: Actor) -> TimeEntryOut:
    """Log time; a technician's key logs for that technician only."""
    technician_id = data.technician_id or actor.technician_id
    if technician_id is None:
        raise BadRequest(
            "technician_id: required for keys that are not a technician's", field="technician_id"
        )
    if actor.technician_id is not None and technician_id != actor.technician_id:
        raise Forbidden("a technician logs only their own time")
    if not await Technician.exists().where(Technician.id == technician_id):
        raise BadRequest(
            f"technician_id: technician {technician_id} does not exist", field="technician_id"
        )
    minutes = _minutes(data)
    async with write_transaction():
        await load_row(task_id)
        entry = TimeEntry(
            task=task_id,
            technician=technician_id,
            started_at=data.started_at.astimezone(UTC),
            minutes=minutes,
            billable=data.billable,
            work_type=data.work_type,
            note=data.note,
        )
        await entry.save()
        await Task.update({Task.touched_by_technician: True}).where(Task.id == task_id)
        await audit.record(
            audit.entries(
                "task",
                task_id,
                actor.name,
                actor.channel,
                "time_logged",
                {"time_minutes": (None, minutes)},
            )
        )
    row = await load_row(task_id)
    await hub.task_event(event_for("time_logged", row, actor, now_utc(), minutes=(None, minutes)))
    return await get_entry(task_id, entry.id)


async def get_entry(task_id: int, entry_id: int) -> TimeEntryOut:
    row = (
        await TimeEntry.select()
        .where((TimeEntry.id == entry_id) & (TimeEntry.task == task_id))
        .first()
    )
    if row is None:
        raise NotFound("time entry", entry_id)
    return _out(row)


async def list_entries(task_id: int) -> list[TimeEntryOut]:
    await load_row(task_id)
    rows = await TimeEntry.select().where(TimeEntry.task == task_id).order_by(TimeEntry.started_at)
    return [_out(r) for r in rows]


async def _editable(task_id: int, entry_id: int, actor: Actor) -> TimeEntryOut:
    entry = await get_entry(task_id, entry_id)
    if entry.invoice_id is not None:
        raise Conflict(f"time entry {entry_id} is on invoice {entry.invoice_id}; it is locked")
    if actor.technician_id is not None and entry.technician_id != actor.technician_id:
        raise Forbidden("a technician edits only their own time")
    return entry


async def update_entry(
    task_id: int, entry_id: int, patch: TimeEntryPatch, actor: Actor
) -> TimeEntryOut:
    async with write_transaction():
        entry = await _editable(task_id, entry_id, actor)
        values: dict[Any, Any] = {}
        changes: dict[str, tuple[Any, Any]] = {}
        for field in ("started_at", "minutes", "billable", "work_type", "note"):
            value = getattr(patch, field)
            if value is not UNSET and value != getattr(entry, field):
                values[getattr(TimeEntry, field)] = value
                changes[f"time.{field}"] = (getattr(entry, field), value)
        if values:
            # the invoice lock is re-checked in the statement itself
            await TimeEntry.update(values).where(
                (TimeEntry.id == entry_id) & TimeEntry.invoice_id.is_null()
            )
            await audit.record(
                audit.entries("task", task_id, actor.name, actor.channel, "time_updated", changes)
            )
    return await get_entry(task_id, entry_id)


async def delete_entry(task_id: int, entry_id: int, actor: Actor) -> None:
    async with write_transaction():
        entry = await _editable(task_id, entry_id, actor)
        await TimeEntry.delete().where((TimeEntry.id == entry_id) & TimeEntry.invoice_id.is_null())
        await audit.record(
            audit.entries(
                "task",
                task_id,
                actor.name,
                actor.channel,
                "time_deleted",
                {"time_minutes": (entry.minutes, None)},
            )
        )


def _totals(rows: list[dict[str, Any]]) -> TimeTotals:
    by_type: dict[str, int] = {}
    for r in rows:
        by_type[r["work_type"]] = by_type.get(r["work_type"], 0) + r["minutes"]
    billable = sum(r["minutes"] for r in rows if r["billable"])
    total = sum(r["minutes"] for r in rows)
    return TimeTotals(
        minutes=total,
        billable_minutes=billable,
        non_billable_minutes=total - billable,
        entries=len(rows),
        by_work_type=by_type,
    )


_TOTAL_COLS = (TimeEntry.minutes, TimeEntry.billable, TimeEntry.work_type)


async def task_totals(task_id: int) -> TimeTotals:
    await load_row(task_id)
    return _totals(await TimeEntry.select(*_TOTAL_COLS).where(TimeEntry.task == task_id))


async def customer_totals(customer_id: int, start: datetime, end: datetime) -> TimeTotals:
    if end <= start:
        raise BadRequest("to: must be after from", field="to")
    rows = await TimeEntry.select(*_TOTAL_COLS).where(
        (TimeEntry.task.customer == customer_id)
        & (TimeEntry.started_at >= start)
        & (TimeEntry.started_at < end)
    )
    return _totals(rows)
