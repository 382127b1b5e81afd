"""Maintenance windows, working hours, leave and bookings: create, change, delete.

Every change runs in one write transaction: references are checked, the conflict rules
run (bookings and maintenance windows), and the row and its audit entries are written
together, so a refused or failed request leaves nothing behind. Each update bumps the
entry's SEQUENCE. A save despite conflicts (``force``) keeps the conflicts on the row and
in the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.tables import Customer, Device, Task, Team, Technician
from hub.errors import BadRequest, Conflict
from hub.logs import get_logger
from hub.services import audit
from hub.services.context import Actor
from plugins.calendar import store
from plugins.calendar import tables as t
from plugins.calendar.conflict_checks import (
    MAX_LISTED,
    booking_conflicts,
    lock,
    maintenance_conflicts,
)
from plugins.calendar.conflicts import Conflict as RuleConflict
from plugins.calendar.entry_views import entry_out, get_entry
from plugins.calendar.errors import CalendarError
from plugins.calendar.events import BOOKING, MAINTENANCE, CalendarEvent, make_uid, zone
from plugins.calendar.schemas import EntryOut

log = get_logger("plugins.calendar.entries")
ENTITY = "calendar_entry"
# entry field -> table column
_COLUMNS = {
    "title": "title",
    "description": "description",
    "location": "location",
    "start": "starts_at",
    "end": "ends_at",
    "all_day": "all_day",
    "tz": "tz",
    "rrule": "rrule",
    "exdates": "exdates",
    "rdates": "rdates",
    "customer_id": "customer",
    "technician_id": "technician",
    "team_id": "team",
    "task_id": "task",
    "devices": "devices",
    "alarm_minutes_before": "alarm_minutes",
}
_LISTS = ("exdates", "rdates", "devices")
# what a kind's request body does not carry (leave has no devices, ...)
_BLANK: dict[str, Any] = {
    "description": "",
    "location": "",
    "all_day": False,
    "tz": None,
    "rrule": None,
    "exdates": [],
    "rdates": [],
    "customer_id": None,
    "technician_id": None,
    "team_id": None,
    "task_id": None,
    "devices": [],
    "alarm_minutes_before": None,
}


def _values(row: dict[str, Any]) -> dict[str, Any]:
    event = store.row_event(row)
    values = {field: row[column] for field, column in _COLUMNS.items()}
    values.update(start=event.start, end=event.end, exdates=event.exdates, rdates=event.rdates)
    values["devices"] = store.decode_list(row["devices"])
    return values


async def _one(table: Any, ident: int, what: str) -> dict[str, Any]:
    row = await table.select().where(table.id == ident).first()
    if row is None:
        raise BadRequest(f"{what} {ident} does not exist", field=f"{what}_id")
    return row


async def _resolve(kind: str, values: dict[str, Any], patched: set[str]) -> None:
    """Check references and fill defaults (zone, booking customer and title) in place."""
    customer = technician = None
    if values.get("customer_id") is not None:
        customer = await _one(Customer, values["customer_id"], "customer")
    if values.get("technician_id") is not None:
        technician = await _one(Technician, values["technician_id"], "technician")
    if values.get("team_id") is not None:
        await _one(Team, values["team_id"], "team")
    if kind == BOOKING:
        task = await _one(Task, values["task_id"], "task")
        values["customer_id"] = task["customer"]
        if not values.get("title"):
            values["title"] = task["title"][:500]
    if values.get("tz") is None:
        home = customer if kind == MAINTENANCE else technician
        values["tz"] = (home or {}).get("timezone") or "UTC"
    devices = values.get("devices") or []
    if devices and "devices" in patched:
        rows = await Device.select(Device.id).where(
            Device.id.is_in(devices), Device.customer == values["customer_id"]
        )
        missing = sorted(set(devices) - {r["id"] for r in rows})
        if missing:
            raise BadRequest(
                f"devices {missing} are not devices of customer {values['customer_id']}",
                field="devices",
            )


def _localise(value: datetime, tz: str) -> datetime:
    # A naive time is wall time in the entry's zone (see schemas).
    return value.replace(tzinfo=zone(tz)) if value.tzinfo is None else value


def _event(kind: str, values: dict[str, Any], ident: int | str) -> CalendarEvent:
    try:
        tz = values["tz"]
        zone(tz)
        start, end = _localise(values["start"], tz), _localise(values["end"], tz)
        if kind == BOOKING and end <= start:
            raise CalendarError("a booking must end after it starts")
        values.update(
            start=start,
            end=end,
            exdates=[_localise(v, tz) for v in values.get("exdates") or []],
            rdates=[_localise(v, tz) for v in values.get("rdates") or []],
        )
        return CalendarEvent(
            uid=make_uid(kind, ident),
            kind=kind,
            title=values["title"],
            start=start,
            end=end,
            all_day=bool(values.get("all_day")),
            tz=tz,
            rrule=values.get("rrule"),
            exdates=values["exdates"],
            rdates=values["rdates"],
            customer_id=values.get("customer_id"),
            technician_id=values.get("technician_id"),
            team_id=values.get("team_id"),
            task_id=values.get("task_id"),
            meta={"devices": values.get("devices") or []},
        )
    except CalendarError as exc:
        raise BadRequest(str(exc)) from exc


async def _conflicts(
    kind: str, event: CalendarEvent, own_id: int | None, horizon: timedelta
) -> list[RuleConflict]:
    if kind == BOOKING and event.technician_id is not None:
        await lock("technician", event.technician_id)
        return await booking_conflicts(event, own_id)
    if kind == MAINTENANCE and event.customer_id is not None:
        await lock("customer", event.customer_id)
        return await maintenance_conflicts(event, own_id, horizon)
    return []


def _refuse(kind: str, found: list[RuleConflict]) -> Conflict:
    listed = [msgspec.to_builtins(c) for c in found[:MAX_LISTED]]
    return Conflict(
        f"{kind.replace('_', ' ')} conflicts with {len(found)} existing item(s); "
        "repeat with ?force=true to save it anyway",
        conflicts=listed,
        total=len(found),
    )


def _columns(values: dict[str, Any], event: CalendarEvent) -> dict[str, Any]:
    columns = {column: values.get(field) for field, column in _COLUMNS.items()}
    for name in _LISTS:
        items = values.get(name) or []
        if name != "devices":
            items = [v.astimezone(UTC).isoformat() for v in items]
        columns[name] = store.encode_list(items)
    columns["starts_at"] = event.start.astimezone(UTC)
    columns["ends_at"] = event.end.astimezone(UTC)
    columns["series_ends_at"] = store.series_end(event)
    columns["all_day"] = event.all_day
    return columns


def _audit(
    entry_id: int,
    actor: Actor,
    action: str,
    changes: dict[str, tuple[Any, Any]] | None,
    found: list[RuleConflict],
) -> list[Any]:
    """Audit rows of a change, plus a ``forced`` row naming what it was saved over."""
    rows = audit.entries(ENTITY, entry_id, actor.name, actor.channel, action, changes)
    if found:
        overridden = {"conflicts": (None, store.encode_list(c.other_uid or c.kind for c in found))}
        rows += audit.entries(ENTITY, entry_id, actor.name, actor.channel, "forced", overridden)
    return rows


def _forced(found: list[RuleConflict]) -> dict[str, Any]:
    return {
        "forced": bool(found),
        "forced_conflicts": store.encode_list(msgspec.to_builtins(c) for c in found[:MAX_LISTED]),
    }


async def create_entry(
    kind: str, data: msgspec.Struct, actor: Actor, *, force: bool, horizon: timedelta
) -> EntryOut:
    """Save a new entry of `kind`; 409 with the conflicts unless `force`."""
    given = msgspec.structs.asdict(data)
    values = {**_BLANK, **given}
    await _resolve(kind, values, set(given))
    event = _event(kind, values, "new")
    e = t.CalendarEntry
    async with write_transaction():
        found = await _conflicts(kind, event, None, horizon)
        if found and not force:
            raise _refuse(kind, found)
        columns = _columns(values, event)
        row = e(kind=kind, created_by=actor.name, sequence=0, **columns, **_forced(found))
        await row.save()
        await audit.record(_audit(row.id, actor, "created", None, found))
    log.info("calendar_entry_created", kind=kind, entry_id=row.id, forced=bool(found))
    return entry_out(await get_entry(kind, row.id))


async def update_entry(
    kind: str,
    entry_id: int,
    patch: msgspec.Struct,
    actor: Actor,
    *,
    force: bool,
    horizon: timedelta,
) -> EntryOut:
    """Change an entry (SEQUENCE + 1); conflicts are checked as for a new one."""
    e = t.CalendarEntry
    async with write_transaction():
        row = await get_entry(kind, entry_id)
        values = _values(row)
        patched = {k for k, v in msgspec.structs.asdict(patch).items() if v is not UNSET}
        for name in patched:
            values[name] = getattr(patch, name)
        await _resolve(kind, values, patched)
        event = _event(kind, values, entry_id)
        found = await _conflicts(kind, event, entry_id, horizon)
        if found and not force:
            raise _refuse(kind, found)
        columns = _columns(values, event)
        changed = {
            name: (row[name], value)
            for name, value in columns.items()
            if _comparable(row[name]) != _comparable(value)
        }
        sequence = row["sequence"] + 1
        await e.update(
            {
                **{getattr(e, name): value for name, value in columns.items()},
                **{getattr(e, name): value for name, value in _forced(found).items()},
                e.sequence: sequence,
                e.updated_at: datetime.now(UTC),
            }
        ).where(e.id == entry_id)
        changed["sequence"] = (row["sequence"], sequence)
        await audit.record(_audit(entry_id, actor, "updated", changed, found))
    log.info("calendar_entry_updated", kind=kind, entry_id=entry_id, sequence=sequence)
    return entry_out(await get_entry(kind, entry_id))


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


async def delete_entry(kind: str, entry_id: int, actor: Actor) -> None:
    """Delete an entry (it disappears from feeds on their next refresh)."""
    e = t.CalendarEntry
    async with write_transaction():
        await get_entry(kind, entry_id)
        await e.delete().where(e.id == entry_id)
        await audit.record(_audit(entry_id, actor, "deleted", None, []))
    log.info("calendar_entry_deleted", kind=kind, entry_id=entry_id)
