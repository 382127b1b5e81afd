"""Milestones of a project: ordered, dated, optionally priced, with tasks under them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from msgspec import UNSET
from piccolo.query.functions.aggregate import Max, Sum

from hub.db.engine import write_transaction
from hub.db.tables import Task, TimeEntry
from hub.errors import BadRequest, Conflict, NotFound
from hub.projects import progress as prog
from hub.projects.schemas import MilestoneIn, MilestoneOut, MilestonePatch, MilestoneTask
from hub.projects.tables import Milestone, Project


async def milestone_rows(project_id: int) -> list[dict[str, Any]]:
    """The project's milestones in their order."""
    return (
        await Milestone.select()
        .where(Milestone.project == project_id)
        .order_by(Milestone.position)
        .order_by(Milestone.id)
    )


def milestone_out(row: dict[str, Any], tally: prog.Tally, today: date) -> MilestoneOut:
    """The API view of a milestone row with its progress."""
    return MilestoneOut(
        id=row["id"],
        project_id=row["project"],
        name=row["name"],
        description=row["description"],
        position=row["position"],
        target_date=row["target_date"],
        fee=row["fee"],
        completed=row["completed_on"] is not None,
        completed_on=row["completed_on"],
        invoice_id=row["invoice_id"],
        progress=prog.progress(
            tally, complete=row["completed_on"] is not None, due=row["target_date"], today=today
        ),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def _project(project_id: int) -> dict[str, Any]:
    row = await Project.select().where(Project.id == project_id).first()
    if row is None:
        raise NotFound("project", project_id)
    return row


async def _row(project_id: int, milestone_id: int) -> dict[str, Any]:
    row = (
        await Milestone.select()
        .where((Milestone.id == milestone_id) & (Milestone.project == project_id))
        .first()
    )
    if row is None:
        raise NotFound("milestone", milestone_id)
    return row


def _check_fee(project: dict[str, Any], fee: str | None) -> None:
    if fee is not None and project["billing_mode"] != "fixed_fee_milestones":
        raise BadRequest(
            f"fee: only milestones of fixed_fee_milestones projects have a fee "
            f"(project {project['id']} is {project['billing_mode']})",
            field="fee",
        )


async def get_milestone(project_id: int, milestone_id: int) -> MilestoneOut:
    row = await _row(project_id, milestone_id)
    project = await _project(project_id)
    tallies = await prog.tallies([milestone_id])
    return milestone_out(row, tallies[milestone_id], await prog.customer_today(project["customer"]))


async def list_milestones(project_id: int) -> list[MilestoneOut]:
    project = await _project(project_id)
    rows = await milestone_rows(project_id)
    tallies = await prog.tallies([r["id"] for r in rows])
    today = await prog.customer_today(project["customer"])
    return [milestone_out(r, tallies[r["id"]], today) for r in rows]


async def create_milestone(project_id: int, data: MilestoneIn) -> MilestoneOut:
    """Add a milestone (after the last one unless ``position`` says otherwise)."""
    async with write_transaction():
        project = await _project(project_id)
        _check_fee(project, data.fee)
        position = data.position
        if position is None:
            top = (
                await Milestone.select(Max(Milestone.position).as_alias("top"))
                .where(Milestone.project == project_id)
                .first()
            )
            position = 0 if not top or top["top"] is None else int(top["top"]) + 1
        inserted = await Milestone.insert(
            Milestone(
                project=project_id,
                name=data.name.strip(),
                description=data.description,
                position=position,
                target_date=data.target_date,
                fee=data.fee,
            )
        ).returning(Milestone.id)
    return await get_milestone(project_id, inserted[0]["id"])


async def update_milestone(
    project_id: int, milestone_id: int, patch: MilestonePatch
) -> MilestoneOut:
    """Edit, complete or reopen a milestone; an invoiced milestone's fee and state lock."""
    async with write_transaction():
        row = await _row(project_id, milestone_id)
        project = await _project(project_id)
        values: dict[str, Any] = {}
        for name in ("name", "description", "position", "target_date", "fee"):
            value = getattr(patch, name)
            if value is not UNSET and value != row[name]:
                values[name] = value.strip() if name == "name" else value
        if "fee" in values:
            _check_fee(project, values["fee"])
        completed_on = row["completed_on"]
        if patch.completed is not UNSET:
            if patch.completed and completed_on is None:
                given = None if patch.completed_on is UNSET else patch.completed_on
                completed_on = given or await prog.customer_today(project["customer"])
            elif not patch.completed:
                completed_on = None
        elif patch.completed_on is not UNSET and completed_on is not None:
            if patch.completed_on is None:
                raise BadRequest(
                    "completed_on: use completed=false to reopen", field="completed_on"
                )
            completed_on = patch.completed_on
        if completed_on != row["completed_on"]:
            values["completed_on"] = completed_on
        locked = {"fee", "completed_on"} & values.keys()
        if locked and row["invoice_id"] is not None:
            raise Conflict(
                f"milestone {milestone_id} is on invoice {row['invoice_id']}; "
                f"{', '.join(sorted(locked))} cannot change (credit the invoice first)"
            )
        if values:
            values["updated_at"] = datetime.now(UTC)
            await Milestone.update({getattr(Milestone, k): v for k, v in values.items()}).where(
                Milestone.id == milestone_id
            )
    return await get_milestone(project_id, milestone_id)


async def delete_milestone(project_id: int, milestone_id: int) -> None:
    """Delete a milestone that is not invoiced; its tasks stay, unlinked."""
    async with write_transaction():
        row = await _row(project_id, milestone_id)
        if row["invoice_id"] is not None:
            raise Conflict(f"milestone {milestone_id} is on invoice {row['invoice_id']}")
        await Task.update({Task.milestone_id: None}).where(Task.milestone_id == milestone_id)
        await Milestone.delete().where(Milestone.id == milestone_id)


async def milestone_tasks(project_id: int, milestone_id: int) -> list[MilestoneTask]:
    """The tasks under a milestone with their checklist and logged minutes."""
    await _row(project_id, milestone_id)
    tasks = (
        await Task.select(
            Task.id, Task.title, Task.status, Task.checklist_done, Task.checklist_total
        )
        .where(Task.milestone_id == milestone_id)
        .order_by(Task.id)
    )
    minutes: dict[int, int] = {}
    if tasks:
        rows = (
            await TimeEntry.select(TimeEntry.task, Sum(TimeEntry.minutes).as_alias("minutes"))
            .where(TimeEntry.task.is_in([t["id"] for t in tasks]))
            .group_by(TimeEntry.task)
        )
        minutes = {r["task"]: int(r["minutes"] or 0) for r in rows}
    return [
        MilestoneTask(
            id=t["id"],
            title=t["title"],
            status=t["status"],
            checklist_done=t["checklist_done"],
            checklist_total=t["checklist_total"],
            minutes_logged=minutes.get(t["id"], 0),
        )
        for t in tasks
    ]
