"""Projects: create, read, update, delete, with progress and the milestone-fee check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.tables import Customer, Task
from hub.errors import BadRequest, Conflict, NotFound
from hub.projects import progress as prog
from hub.projects.milestones import milestone_out, milestone_rows
from hub.projects.schemas import FeeCheck, ProjectIn, ProjectOut, ProjectPatch
from hub.projects.tables import Milestone, Project

# status -> statuses it may change to
TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"active", "on_hold", "cancelled"}),
    "active": frozenset({"on_hold", "completed", "cancelled"}),
    "on_hold": frozenset({"active", "completed", "cancelled"}),
    "completed": frozenset({"active"}),
    "cancelled": frozenset({"planned", "active"}),
}
FIXED_FEE = frozenset({"fixed_fee_milestones", "fixed_fee_completion"})
BILLING_FIELDS = ("billing_mode", "contract_value")


async def _row(project_id: int) -> dict[str, Any]:
    row = await Project.select().where(Project.id == project_id).first()
    if row is None:
        raise NotFound("project", project_id)
    return row


def fee_check(row: dict[str, Any], milestones: list[dict[str, Any]]) -> FeeCheck | None:
    """For fixed fee per milestone: compare the fees' sum with the contract value."""
    if row["billing_mode"] != "fixed_fee_milestones":
        return None
    fees = [Decimal(m["fee"]) for m in milestones if m["fee"] is not None]
    total = sum(fees, Decimal(0))
    value = None if row["contract_value"] is None else Decimal(row["contract_value"])
    missing = [m["id"] for m in milestones if m["fee"] is None]
    difference = None if value is None else value - total
    return FeeCheck(
        contract_value=row["contract_value"],
        fees_total=f"{total:f}",
        difference=None if difference is None else f"{difference:f}",
        milestones_without_fee=missing,
        ok=difference == 0 and not missing and bool(milestones),
    )


async def project_out(row: dict[str, Any]) -> ProjectOut:
    """The API view of a project row: milestones, progress and fee check."""
    today = await prog.customer_today(row["customer"])
    milestones = await milestone_rows(row["id"])
    tallies = await prog.tallies([m["id"] for m in milestones])
    outs = [milestone_out(m, tallies[m["id"]], today) for m in milestones]
    progress = prog.progress(
        prog.combined(tallies.values()),
        complete=row["status"] == "completed",
        cancelled=row["status"] == "cancelled",
        due=row["due_on"],
        today=today,
        budget_hours=row["budget_hours"],
    )
    if progress.indicator.state in ("on_track", "at_risk", "not_started") and any(
        m.progress.overdue for m in outs
    ):
        # a late milestone makes the project late even before its own due date
        progress.overdue = True
        progress.indicator.state = "overdue"
        progress.indicator.colour = prog.COLOURS["overdue"]
        progress.indicator.label += " - overdue"
    return ProjectOut(
        id=row["id"],
        customer_id=row["customer"],
        name=row["name"],
        description=row["description"],
        status=row["status"],
        billing_mode=row["billing_mode"],
        budget_hours=row["budget_hours"],
        budget_amount=row["budget_amount"],
        contract_value=row["contract_value"],
        starts_on=row["starts_on"],
        due_on=row["due_on"],
        completed_on=row["completed_on"],
        fee_invoice_id=row["fee_invoice_id"],
        version=row["version"],
        progress=progress,
        fee_check=fee_check(row, milestones),
        milestones=outs,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _check_terms(row: dict[str, Any], milestones: list[dict[str, Any]]) -> None:
    """A fixed-fee project may only run (active / completed) with complete terms."""
    if row["status"] not in ("active", "completed"):
        return
    if row["billing_mode"] in FIXED_FEE and row["contract_value"] is None:
        raise BadRequest(
            f"contract_value: a {row['billing_mode']} project needs a contract value "
            f"before it is {row['status']}",
            field="contract_value",
        )
    check = fee_check(row, milestones)
    if check is not None and not check.ok:
        raise BadRequest(
            f"milestone fees add up to {check.fees_total}, the contract value is "
            f"{check.contract_value} (difference {check.difference}; milestones without a "
            f"fee: {check.milestones_without_fee}); fix the fees before the project is "
            f"{row['status']}",
            field="status",
            fee_check={"fees_total": check.fees_total, "difference": check.difference},
        )


def _check_dates(starts_on: date | None, due_on: date | None) -> None:
    if starts_on is not None and due_on is not None and due_on < starts_on:
        raise BadRequest("due_on: must not be before starts_on", field="due_on")


async def create_project(data: ProjectIn) -> ProjectOut:
    """Create a project for an existing customer."""
    if not await Customer.exists().where(Customer.id == data.customer_id):
        raise BadRequest(
            f"customer_id: customer {data.customer_id} does not exist", field="customer_id"
        )
    _check_dates(data.starts_on, data.due_on)
    if data.status == "completed":
        raise BadRequest("status: create the project first, then complete it", field="status")
    values = {
        "customer": data.customer_id,
        "name": data.name.strip(),
        "description": data.description,
        "status": data.status,
        "billing_mode": data.billing_mode,
        "budget_hours": data.budget_hours,
        "budget_amount": data.budget_amount,
        "contract_value": data.contract_value,
        "starts_on": data.starts_on,
        "due_on": data.due_on,
    }
    _check_terms(values, [])
    inserted = await Project.insert(Project(**values)).returning(Project.id)
    return await get_project(inserted[0]["id"])


async def get_project(project_id: int) -> ProjectOut:
    return await project_out(await _row(project_id))


async def list_projects(
    customer_id: int | None = None, status: str | None = None
) -> list[ProjectOut]:
    """Projects by name, optionally of one customer and/or in one status."""
    query = Project.select().order_by(Project.name).order_by(Project.id)
    if customer_id is not None:
        query = query.where(Project.customer == customer_id)
    if status is not None:
        query = query.where(Project.status == status)
    return [await project_out(row) for row in await query]


async def invoiced_anything(project_id: int, row: dict[str, Any]) -> bool:
    """True once billing has invoiced the project's fee or any milestone fee."""
    return row["fee_invoice_id"] is not None or await Milestone.exists().where(
        (Milestone.project == project_id) & Milestone.invoice_id.is_not_null()
    )


async def update_project(project_id: int, patch: ProjectPatch) -> ProjectOut:
    """Partial update; status changes follow ``TRANSITIONS``; billing terms lock once invoiced."""
    async with write_transaction():
        row = await _row(project_id)
        values: dict[str, Any] = {}
        for name in (
            "name",
            "description",
            "billing_mode",
            "budget_hours",
            "budget_amount",
            "contract_value",
            "starts_on",
            "due_on",
        ):
            value = getattr(patch, name)
            if value is not UNSET and value != row[name]:
                values[name] = value.strip() if name == "name" else value
        if any(f in values for f in BILLING_FIELDS) and await invoiced_anything(project_id, row):
            raise Conflict(
                f"project {project_id} has invoiced fees; its billing terms are locked "
                "(credit the invoice first)"
            )
        if patch.status is not UNSET and patch.status != row["status"]:
            if patch.status not in TRANSITIONS[row["status"]]:
                allowed = ", ".join(sorted(TRANSITIONS[row["status"]]))
                raise Conflict(
                    f"status: a {row['status']} project can become {allowed}, not {patch.status}"
                )
            if row["status"] == "completed" and row["fee_invoice_id"] is not None:
                raise Conflict(
                    f"project {project_id}: its completion fee is invoiced; credit it first"
                )
            values["status"] = patch.status
            values["completed_on"] = None
            if patch.status == "completed":
                given = None if patch.completed_on is UNSET else patch.completed_on
                values["completed_on"] = given or await prog.customer_today(row["customer"])
        elif patch.completed_on is not UNSET and row["status"] == "completed":
            if patch.completed_on is None:
                raise BadRequest(
                    "completed_on: a completed project needs a date", field="completed_on"
                )
            values["completed_on"] = patch.completed_on
        if not values:
            return await project_out(row)
        merged = {**row, **values}
        _check_dates(merged["starts_on"], merged["due_on"])
        _check_terms(merged, await milestone_rows(project_id))
        values["version"] = row["version"] + 1
        values["updated_at"] = datetime.now(UTC)
        await Project.update({getattr(Project, k): v for k, v in values.items()}).where(
            Project.id == project_id
        )
    return await get_project(project_id)


async def delete_project(project_id: int) -> None:
    """Delete a project with nothing invoiced; its tasks stay, unlinked from milestones."""
    async with write_transaction():
        row = await _row(project_id)
        if await invoiced_anything(project_id, row):
            raise Conflict(f"project {project_id} has invoiced fees; it cannot be deleted")
        ids = [
            m["id"]
            for m in await Milestone.select(Milestone.id).where(Milestone.project == project_id)
        ]
        if ids:
            await Task.update({Task.milestone_id: None}).where(Task.milestone_id.is_in(ids))
            await Milestone.delete().where(Milestone.project == project_id)
        await Project.delete().where(Project.id == project_id)
