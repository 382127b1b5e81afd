"""Technicians and teams."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.integrity import unique_as_conflict
from hub.db.tables import Task, Team, TeamMember, Technician
from hub.errors import BadRequest, Conflict, NotFound
from hub.schemas.common import check_timezone, normalise_email
from hub.schemas.directory import (
    TeamIn,
    TeamOut,
    TeamPatch,
    TechnicianIn,
    TechnicianOut,
    TechnicianPatch,
)


def _tech_out(row: dict[str, Any]) -> TechnicianOut:
    return TechnicianOut(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        skills=msgspec.json.decode(row["skills"] or "[]"),
        timezone=row["timezone"],
        role=row["role"],
        cost_rate=row["cost_rate"],
        active=row["active"],
    )


def _skills(values: list[str]) -> list[str]:
    return sorted({s.strip().lower() for s in values if s.strip()})


async def create_technician(data: TechnicianIn) -> TechnicianOut:
    check_timezone(data.timezone)
    email = normalise_email(data.email)
    async with unique_as_conflict(f"technician {email}"):
        row = Technician(
            name=data.name.strip(),
            email=email,
            skills=msgspec.json.encode(_skills(data.skills)).decode(),
            timezone=data.timezone,
            role=data.role,
            cost_rate=data.cost_rate,
            active=data.active,
        )
        await row.save()
    return await get_technician(row.id)


async def get_technician(technician_id: int) -> TechnicianOut:
    row = await Technician.select().where(Technician.id == technician_id).first()
    if row is None:
        raise NotFound("technician", technician_id)
    return _tech_out(row)


async def list_technicians(active: bool | None = None) -> list[TechnicianOut]:
    query = Technician.select().order_by(Technician.id)
    if active is not None:
        query = query.where(Technician.active == active)
    return [_tech_out(r) for r in await query]


async def update_technician(technician_id: int, patch: TechnicianPatch) -> TechnicianOut:
    await get_technician(technician_id)
    values: dict[Any, Any] = {}
    if patch.email is not UNSET:
        values[Technician.email] = normalise_email(patch.email)
    if patch.skills is not UNSET:
        values[Technician.skills] = msgspec.json.encode(_skills(patch.skills)).decode()
    if patch.timezone is not UNSET:
        values[Technician.timezone] = check_timezone(patch.timezone)
    for field in ("name", "role", "cost_rate", "active"):
        value = getattr(patch, field)
        if value is not UNSET:
            values[getattr(Technician, field)] = value
    if values:
        async with unique_as_conflict("technician email"):
            await Technician.update(values).where(Technician.id == technician_id)
    return await get_technician(technician_id)


async def delete_technician(technician_id: int) -> None:
    """Technicians with tasks are deactivated in practice; deleting them is refused."""
    await get_technician(technician_id)
    if await Task.exists().where(Task.assignee_technician == technician_id):
        raise Conflict("technician has tasks assigned; deactivate instead")
    async with write_transaction():
        await TeamMember.delete().where(TeamMember.technician == technician_id)
        await Technician.delete().where(Technician.id == technician_id)


# --- teams -------------------------------------------------------------------------


async def _members(team_id: int) -> list[int]:
    rows = await TeamMember.select(TeamMember.technician).where(TeamMember.team == team_id)
    return sorted(r["technician"] for r in rows)


async def _check_members(ids: list[int]) -> list[int]:
    unique = sorted(set(ids))
    if unique:
        found = {
            r["id"]
            for r in await Technician.select(Technician.id).where(Technician.id.is_in(unique))
        }
        missing = [i for i in unique if i not in found]
        if missing:
            raise BadRequest(f"member_ids: unknown technicians {missing}", field="member_ids")
    return unique


async def create_team(data: TeamIn) -> TeamOut:
    check_timezone(data.timezone)
    members = await _check_members(data.member_ids)
    async with unique_as_conflict(f"team {data.name!r}"), write_transaction():
        row = Team(name=data.name.strip(), description=data.description, timezone=data.timezone)
        await row.save()
        if members:
            await TeamMember.insert(*[TeamMember(team=row.id, technician=m) for m in members])
    return await get_team(row.id)


async def get_team(team_id: int) -> TeamOut:
    row = await Team.select().where(Team.id == team_id).first()
    if row is None:
        raise NotFound("team", team_id)
    return TeamOut(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        timezone=row["timezone"],
        member_ids=await _members(team_id),
    )


async def list_teams() -> list[TeamOut]:
    return [await get_team(r["id"]) for r in await Team.select(Team.id).order_by(Team.id)]


async def update_team(team_id: int, patch: TeamPatch) -> TeamOut:
    await get_team(team_id)
    values: dict[Any, Any] = {}
    if patch.name is not UNSET:
        values[Team.name] = patch.name.strip()
    if patch.description is not UNSET:
        values[Team.description] = patch.description
    if patch.timezone is not UNSET:
        values[Team.timezone] = check_timezone(patch.timezone)
    members = None if patch.member_ids is UNSET else await _check_members(patch.member_ids)
    async with unique_as_conflict("team name"), write_transaction():
        if values:
            await Team.update(values).where(Team.id == team_id)
        if members is not None:
            await TeamMember.delete().where(TeamMember.team == team_id)
            if members:
                await TeamMember.insert(*[TeamMember(team=team_id, technician=m) for m in members])
    return await get_team(team_id)


async def delete_team(team_id: int) -> None:
    await get_team(team_id)
    if await Task.exists().where(Task.assignee_team == team_id):
        raise Conflict("team has tasks assigned")
    async with write_transaction():
        await TeamMember.delete().where(TeamMember.team == team_id)
        await Team.delete().where(Team.id == team_id)
