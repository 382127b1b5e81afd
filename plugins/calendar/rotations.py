"""On-call rotations and their overrides in the store, and who is on call now.

Every change of a rotation or of its overrides bumps the rotation's SEQUENCE: the
shifts in feeds are derived from both, so clients must replace them together.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.tables import Team, Technician
from hub.errors import BadRequest, NotFound
from hub.logs import get_logger
from hub.services import audit
from hub.services.context import Actor
from plugins.calendar import store
from plugins.calendar import tables as t
from plugins.calendar.errors import CalendarError
from plugins.calendar.events import ONCALL
from plugins.calendar.oncall import OnCallOverride as Override
from plugins.calendar.oncall import handover_at, scheduled_member, shift_index, who_is_on_call
from plugins.calendar.schemas import (
    OnCallNow,
    OverrideIn,
    OverrideOut,
    RotationIn,
    RotationOut,
    RotationPatch,
)

log = get_logger("plugins.calendar.rotations")
ENTITY = "oncall_rotation"
_FIELDS = (
    "members",
    "start_date",
    "name",
    "tz",
    "handover_time",
    "handover_weekday",
    "period_days",
)


def _override_out(row: dict[str, Any]) -> OverrideOut:
    return OverrideOut(
        id=row["id"],
        rotation_id=row["rotation"],
        technician_id=row["technician"],
        start=row["starts_at"],
        end=row["ends_at"],
        replaces=row["replaces"],
        reason=row["reason"],
        created_by=row["created_by"],
    )


async def get_rotation(rotation_id: int) -> RotationOut:
    """A rotation with its overrides; 404 when absent."""
    r = t.OnCallRotation
    row = await r.select().where(r.id == rotation_id).first()
    if row is None:
        raise NotFound("on-call rotation", rotation_id)
    o = t.OnCallOverride
    overrides = await o.select().where(o.rotation == rotation_id).order_by(o.id)
    return RotationOut(
        id=row["id"],
        uid_prefix=f"{ONCALL}-{row['id']}-",
        team_id=row["team"],
        name=row["name"],
        members=store.decode_list(row["members"]),
        tz=row["tz"],
        start_date=row["start_date"],
        handover_time=row["handover_time"],
        handover_weekday=row["handover_weekday"],
        period_days=row["period_days"],
        sequence=row["sequence"],
        overrides=[_override_out(o_row) for o_row in overrides],
    )


async def list_rotations(team_id: int | None = None) -> list[RotationOut]:
    """Every rotation (of one team)."""
    r = t.OnCallRotation
    query = r.select(r.id).order_by(r.id)
    if team_id is not None:
        query = query.where(r.team == team_id)
    return [await get_rotation(row["id"]) for row in await query]


async def _check_technicians(ids: list[int], field: str) -> None:
    rows = await Technician.select(Technician.id).where(Technician.id.is_in(ids or [0]))
    missing = sorted(set(ids) - {r["id"] for r in rows})
    if missing:
        raise BadRequest(f"technicians {missing} do not exist", field=field)


def _validate(values: dict[str, Any]) -> None:
    """Build the pure rotation once so its rules (zone, weekday vs period) apply."""
    try:
        store.rotation_value(values, [])
    except CalendarError as exc:
        raise BadRequest(str(exc)) from exc


async def create_rotation(data: RotationIn, actor: Actor) -> RotationOut:
    """Save a rotation; the zone defaults to the team's."""
    team = await Team.select().where(Team.id == data.team_id).first()
    if team is None:
        raise BadRequest(f"team {data.team_id} does not exist", field="team_id")
    await _check_technicians(data.members, "members")
    values = {name: getattr(data, name) for name in _FIELDS}
    values["tz"] = data.tz or team["timezone"] or "UTC"
    _validate({**values, "team": data.team_id})
    r = t.OnCallRotation
    async with write_transaction():
        row = r(
            team=data.team_id, sequence=0, **{**values, "members": store.encode_list(data.members)}
        )
        await row.save()
        await audit.record(audit.entries(ENTITY, row.id, actor.name, actor.channel, "created"))
    log.info("oncall_rotation_created", rotation_id=row.id, team_id=data.team_id)
    return await get_rotation(row.id)


async def _bump(rotation_id: int, actor: Actor, action: str, changes: dict[str, Any]) -> None:
    r = t.OnCallRotation
    row = await r.select(r.sequence).where(r.id == rotation_id).first()
    if row is None:
        raise NotFound("on-call rotation", rotation_id)
    sequence = row["sequence"] + 1
    await r.update({r.sequence: sequence, r.updated_at: datetime.now(UTC)}).where(
        r.id == rotation_id
    )
    changes = {**changes, "sequence": (row["sequence"], sequence)}
    await audit.record(
        audit.entries(ENTITY, rotation_id, actor.name, actor.channel, action, changes)
    )


async def update_rotation(rotation_id: int, patch: RotationPatch, actor: Actor) -> RotationOut:
    """Change a rotation (SEQUENCE + 1)."""
    r = t.OnCallRotation
    async with write_transaction():
        row = await r.select().where(r.id == rotation_id).first()
        if row is None:
            raise NotFound("on-call rotation", rotation_id)
        values = {name: row[name] for name in _FIELDS}
        values["members"] = store.decode_list(row["members"])
        changes: dict[str, Any] = {}
        for name in _FIELDS:
            new = getattr(patch, name)
            if new is not UNSET and new != values[name]:
                changes[name] = (values[name], new)
                values[name] = new
        if "members" in changes:
            await _check_technicians(values["members"], "members")
        _validate({**values, "team": row["team"]})
        stored = {**values, "members": store.encode_list(values["members"])}
        await r.update({getattr(r, k): v for k, v in stored.items()}).where(r.id == rotation_id)
        await _bump(rotation_id, actor, "updated", changes)
    return await get_rotation(rotation_id)


async def delete_rotation(rotation_id: int, actor: Actor) -> None:
    """Delete a rotation and its overrides."""
    r, o = t.OnCallRotation, t.OnCallOverride
    async with write_transaction():
        await get_rotation(rotation_id)
        await o.delete().where(o.rotation == rotation_id)
        await r.delete().where(r.id == rotation_id)
        await audit.record(audit.entries(ENTITY, rotation_id, actor.name, actor.channel, "deleted"))


async def add_override(rotation_id: int, data: OverrideIn, actor: Actor) -> OverrideOut:
    """Put someone else on call for a span (rotation SEQUENCE + 1)."""
    await _check_technicians([data.technician_id], "technician_id")
    try:
        Override(
            technician_id=data.technician_id,
            start=data.start,
            end=data.end,
            replaces=data.replaces,
            reason=data.reason,
        )
    except CalendarError as exc:
        raise BadRequest(str(exc)) from exc
    o = t.OnCallOverride
    async with write_transaction():
        await get_rotation(rotation_id)
        row = o(
            rotation=rotation_id,
            technician=data.technician_id,
            starts_at=data.start.astimezone(UTC),
            ends_at=data.end.astimezone(UTC),
            replaces=data.replaces,
            reason=data.reason,
            created_by=actor.name,
        )
        await row.save()
        await _bump(rotation_id, actor, "override_added", {"override": (None, row.id)})
    return _override_out(await o.select().where(o.id == row.id).first())


async def delete_override(rotation_id: int, override_id: int, actor: Actor) -> None:
    """Remove an override (rotation SEQUENCE + 1)."""
    o = t.OnCallOverride
    async with write_transaction():
        found = await o.select(o.id).where(o.id == override_id, o.rotation == rotation_id).first()
        if found is None:
            raise NotFound("on-call override", override_id)
        await o.delete().where(o.id == override_id)
        await _bump(rotation_id, actor, "override_deleted", {"override": (override_id, None)})


async def on_call_at(at: datetime, team_id: int | None = None) -> list[OnCallNow]:
    """Who is on call at `at` for every rotation (of one team), overrides applied."""
    loaded = await store.rotations(team_ids=None if team_id is None else [team_id])
    teams = {r["id"]: r["name"] for r in await Team.select(Team.id, Team.name)}
    people = {r["id"]: r["name"] for r in await Technician.select(Technician.id, Technician.name)}
    answers = []
    for row, rotation in loaded:
        who = who_is_on_call(rotation, at)
        index = shift_index(rotation, at)
        started = index >= 0
        answers.append(
            OnCallNow(
                team_id=row["team"],
                team_name=teams.get(row["team"], ""),
                rotation_id=row["id"],
                rotation_name=row["name"],
                technician_id=who,
                technician_name=people.get(who) if who is not None else None,
                scheduled_technician_id=scheduled_member(rotation, at),
                override=who is not None and who != scheduled_member(rotation, at),
                shift_start=handover_at(rotation, index) if started else None,
                shift_end=handover_at(rotation, index + 1) if started else None,
            )
        )
    return answers
