"""Reading task rows and turning them into API structs."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.db.tables import Task
from hub.errors import NotFound
from hub.schemas.tasks import SlaClockOut, TaskSla
from hub.schemas.tasks import Task as TaskOut

PRIORITY_RANK = {"critical": 0, "high": 1, "normal": 2, "low": 3}

TASK_COLUMNS = (*Task.all_columns(), Task.customer.name.as_alias("customer_name"))


def task_query():  # type: ignore[no-untyped-def]
    return Task.select(*TASK_COLUMNS)


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
