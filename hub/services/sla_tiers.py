"""SLA tiers and business-hours calendars."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from hub.db.integrity import unique_as_conflict
from hub.db.tables import Customer, SlaCalendar, SlaTier
from hub.errors import BadRequest, Conflict, NotFound
from hub.schemas.directory import (
    CalendarIn,
    CalendarOut,
    SlaTierIn,
    SlaTierOut,
    SlaTierPatch,
    TierTarget,
)
from hub.services import sla as sla_service
from hub.sla.calendars import BusinessCalendar, CalendarError


def _tier_out(row: dict[str, Any]) -> SlaTierOut:
    targets = msgspec.json.decode(row["targets"] or "{}", type=dict[str, TierTarget])
    return SlaTierOut(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        targets=targets,
        pause_on_waiting=row["pause_on_waiting"],
        priority_floor=row["priority_floor"],
        rank=row["rank"],
    )


def _check_targets(targets: dict[str, TierTarget]) -> None:
    missing = {"critical", "high", "normal", "low"} - set(targets)
    if missing:
        raise BadRequest(f"targets: missing priorities {', '.join(sorted(missing))}")
    for prio, target in targets.items():
        if target.resolution_minutes < target.first_response_minutes:
            raise BadRequest(
                f"targets.{prio}: resolution_minutes must not be shorter than first response"
            )


async def create_tier(data: SlaTierIn) -> SlaTierOut:
    _check_targets(data.targets)
    async with unique_as_conflict(f"SLA tier {data.name!r}"):
        row = SlaTier(
            name=data.name.strip(),
            description=data.description,
            targets=msgspec.json.encode(data.targets).decode(),
            pause_on_waiting=data.pause_on_waiting,
            priority_floor=data.priority_floor,
            rank=data.rank,
        )
        await row.save()
    return await get_tier(row.id)


async def get_tier(tier_id: int) -> SlaTierOut:
    row = await SlaTier.select().where(SlaTier.id == tier_id).first()
    if row is None:
        raise NotFound("SLA tier", tier_id)
    return _tier_out(row)


async def list_tiers() -> list[SlaTierOut]:
    return [_tier_out(r) for r in await SlaTier.select().order_by(SlaTier.rank, SlaTier.id)]


async def update_tier(tier_id: int, patch: SlaTierPatch) -> SlaTierOut:
    await get_tier(tier_id)
    values: dict[Any, Any] = {}
    for field in ("name", "description", "pause_on_waiting", "priority_floor", "rank"):
        value = getattr(patch, field)
        if value is not UNSET:
            values[getattr(SlaTier, field)] = value
    if patch.targets is not UNSET:
        _check_targets(patch.targets)
        values[SlaTier.targets] = msgspec.json.encode(patch.targets).decode()
    if values:
        async with unique_as_conflict("SLA tier name"):
            await SlaTier.update(values).where(SlaTier.id == tier_id)
    sla_service.forget_customer_contexts()  # contexts embed the tier's targets
    return await get_tier(tier_id)


async def delete_tier(tier_id: int) -> None:
    await get_tier(tier_id)
    if await Customer.exists().where(Customer.sla_tier == tier_id):
        raise Conflict("SLA tier is used by customers; move them first")
    await SlaTier.delete().where(SlaTier.id == tier_id)
    sla_service.forget_customer_contexts()


# --- calendars -------------------------------------------------------------------


def parse_calendar_spec(name: str, spec: dict[str, Any]) -> BusinessCalendar:
    try:
        cal = msgspec.convert({**spec, "name": name}, BusinessCalendar, strict=False)
    except (msgspec.ValidationError, CalendarError) as exc:
        raise BadRequest(f"spec: {exc}") from exc
    return cal


async def create_calendar(data: CalendarIn) -> CalendarOut:
    cal = parse_calendar_spec(data.name, data.spec)
    async with unique_as_conflict(f"calendar {data.name!r}"):
        row = SlaCalendar(name=data.name.strip(), spec=msgspec.json.encode(cal).decode())
        await row.save()
    return await get_calendar(row.id)


async def get_calendar(calendar_id: int) -> CalendarOut:
    row = await SlaCalendar.select().where(SlaCalendar.id == calendar_id).first()
    if row is None:
        raise NotFound("calendar", calendar_id)
    return CalendarOut(id=row["id"], name=row["name"], spec=msgspec.json.decode(row["spec"]))


async def list_calendars() -> list[CalendarOut]:
    rows = await SlaCalendar.select().order_by(SlaCalendar.id)
    return [
        CalendarOut(id=r["id"], name=r["name"], spec=msgspec.json.decode(r["spec"])) for r in rows
    ]


async def update_calendar(calendar_id: int, data: CalendarIn) -> CalendarOut:
    await get_calendar(calendar_id)
    cal = parse_calendar_spec(data.name, data.spec)
    async with unique_as_conflict("calendar name"):
        await SlaCalendar.update(
            {
                SlaCalendar.name: data.name.strip(),
                SlaCalendar.spec: msgspec.json.encode(cal).decode(),
            }
        ).where(SlaCalendar.id == calendar_id)
    return await get_calendar(calendar_id)


async def delete_calendar(calendar_id: int) -> None:
    await get_calendar(calendar_id)
    if await Customer.exists().where(Customer.calendar == calendar_id):
        raise Conflict("calendar is used by customers")
    await SlaCalendar.delete().where(SlaCalendar.id == calendar_id)
