"""Reading task rows and turning them into API structs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hub.db.tables import Task
from hub.errors import NotFound
from hub.schemas.tasks import SlaClockOut, TaskSla, TaskSummary
from hub.schemas.tasks import Task as TaskOut

PRIORITY_RANK = {"critical": 0, "high": 1, "normal": 2, "low": 3}
OPEN = ("open", "in_progress", "waiting_on_customer")

TASK_COLUMNS = (*Task.all_columns(), Task.customer.name.as_alias("customer_name"))


SUMMARY_COLUMNS = (
    Task.id,
    Task.customer,
    Task.customer.name.as_alias("customer_name"),
    Task.title,
    Task.priority,
    Task.status,
    Task.assignee_technician,
    Task.assignee_team,
    Task.source,
    Task.category,
    Task.due_at,
    Task.arrived_at,
    Task.first_response_at,
    Task.first_response_due_at,
    Task.resolution_due_at,
    Task.resolved_at,
    Task.queue_due_at,
    Task.priority_rank,
    Task.checklist_done,
    Task.checklist_total,
    Task.version,
    Task.created_at,
    Task.updated_at,
)


def task_query():  # type: ignore[no-untyped-def]
    return Task.select(*TASK_COLUMNS)


def summary_query():  # type: ignore[no-untyped-def]
    return Task.select(*SUMMARY_COLUMNS)


def to_summary(row: dict[str, Any], now: datetime) -> TaskSummary:
    next_due = row["queue_due_at"]
    if next_due is not None and next_due.year >= 9999:  # the "no SLA" sort sentinel
        next_due = None
    return TaskSummary(
        id=row["id"],
        reference=f"#{row['id']}",
        customer_id=row["customer"],
        customer=row.get("customer_name") or "",
        title=row["title"],
        priority=row["priority"],
        status=row["status"],
        assignee_technician_id=row["assignee_technician"],
        assignee_team_id=row["assignee_team"],
        source=row["source"],
        category=row["category"],
        due_at=row["due_at"],
        arrived_at=row["arrived_at"],
        first_response_at=row["first_response_at"],
        first_response_due_at=row["first_response_due_at"],
        resolution_due_at=row["resolution_due_at"],
        resolved_at=row["resolved_at"],
        next_due_at=next_due,
        overdue=next_due is not None and next_due < now and row["status"] in OPEN,
        checklist=f"{row['checklist_done']} of {row['checklist_total']} done",
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def load_row(task_id: int) -> dict[str, Any]:
    row = await task_query().where(Task.id == task_id).first()
    if row is None:
        raise NotFound("task", task_id)
    return row


def _sla(raw: str | None) -> TaskSla | None:
    if not raw or raw == "{}":
        return None
    data = msgspec.json.decode(raw)
    policy = data["policy"]
    return TaskSla(
        policy=policy["name"],
        coverage=policy["coverage"],
        calendar=data.get("calendar"),
        first_response=msgspec.convert(data["first_response"], SlaClockOut),
        resolution=msgspec.convert(data["resolution"], SlaClockOut),
    )


def to_out(row: dict[str, Any]) -> TaskOut:
    done, total = row["checklist_done"], row["checklist_total"]
    return TaskOut(
        id=row["id"],
        reference=f"#{row['id']}",
        customer_id=row["customer"],
        customer=row.get("customer_name") or "",
        title=row["title"],
        description=row["description"],
        priority=row["priority"],
        status=row["status"],
        assignee_technician_id=row["assignee_technician"],
        assignee_team_id=row["assignee_team"],
        source=row["source"],
        source_ref=row["source_ref"],
        category=row["category"],
        device_id=row["device"],
        milestone_id=row["milestone_id"],
        parent_task_id=row["parent_task_id"],
        linked_task_id=row["linked_task_id"],
        due_at=row["due_at"],
        arrived_at=row["arrived_at"],
        first_response_at=row["first_response_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        sla=_sla(row["sla"]),
        checklist=f"{done} of {total} done",
        checklist_done=done,
        checklist_total=total,
        version=row["version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
