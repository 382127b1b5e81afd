"""Tasks: creation (idempotent per intake key), updates with version checks, SLA upkeep.

Every change is one transaction: the task row, its SLA pauses and its audit entries
commit together; events are announced only after the commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec
from msgspec import UNSET

from hub.contracts import TaskEvent
from hub.db.engine import write_transaction
from hub.db.integrity import is_unique_violation
from hub.db.one_trip import Row, insert_family
from hub.db.tables import Customer, Device, SlaPause, Task, Team, Technician
from hub.errors import BadRequest, PreconditionFailed, PreconditionRequired
from hub.plugins import PluginManager
from hub.projects.refs import check_task_milestone
from hub.schemas.tasks import Task as TaskOut
from hub.schemas.tasks import TaskCreate, TaskUpdate
from hub.services import audit
from hub.services import sla as sla_service
from hub.services.context import Actor
from hub.services.state_machine import check_transition
from hub.services.task_rows import PRIORITY_RANK, load_row, task_query, to_out


class HubLike(Protocol):
    pm: PluginManager

    async def task_event(self, event: TaskEvent) -> None: ...


def now_utc() -> datetime:
    return datetime.now(UTC)


async def _check_refs(
    *,
    customer_id: int | None = None,
    technician_id: int | None = None,
    team_id: int | None = None,
    device_id: int | None = None,
    parent_task_id: int | None = None,
) -> None:
    checks = (
        ("customer_id", customer_id, Customer, "customer"),
        ("assignee_technician_id", technician_id, Technician, "technician"),
        ("assignee_team_id", team_id, Team, "team"),
        ("device_id", device_id, Device, "device"),
        ("parent_task_id", parent_task_id, Task, "task"),
    )
    for field, value, table, label in checks:
        if value is not None and not await table.exists().where(table.id == value):
            raise BadRequest(f"{field}: {label} {value} does not exist", field=field)
    if technician_id is not None:
        active = (
            await Technician.select(Technician.active).where(Technician.id == technician_id).first()
        )
        if active and not active["active"]:
            raise BadRequest(
                f"assignee_technician_id: technician {technician_id} is inactive",
                field="assignee_technician_id",
            )


async def sla_columns(
    hub: HubLike, row: dict[str, Any], now: datetime, customer: dict[str, Any] | None = None
) -> dict[Any, Any]:
    """The SLA-derived column values for a task in its current state."""
    if customer is None:
        customer = await sla_service.customer_context(row["customer"])
    policy = sla_service.policy_for(hub.pm, row, customer)
    if policy is None:
        return {
            Task.sla: "{}",
            Task.first_response_due_at: None,
            Task.resolution_due_at: None,
            Task.queue_due_at: sla_service.FAR_FUTURE,
            Task.sla_next_check_at: None,
        }
    calendar = await sla_service.load_calendar(policy.calendar_id)
    pauses = await sla_service.pauses_of(row["id"]) if row.get("id") else []
    state = sla_service.compute(policy, calendar, row, pauses, now)
    return {
        Task.sla: msgspec.json.encode(state).decode(),
        Task.first_response_due_at: state.first_response.due_at,
        Task.resolution_due_at: state.resolution.due_at,
        Task.queue_due_at: sla_service.queue_due(state),
        Task.sla_next_check_at: sla_service.next_check(state),
    }


_TASK_NAMES = tuple(c._meta.name for c in Task._meta.columns)
_SLA_NAMES = {
    c: c._meta.name
    for c in (
        Task.sla,
        Task.first_response_due_at,
        Task.resolution_due_at,
        Task.queue_due_at,
        Task.sla_next_check_at,
    )
}


def event_for(
    kind: str, row: dict[str, Any], actor: Actor, at: datetime, **changes: Any
) -> TaskEvent:
    """The event announcing a committed change of ``row`` (``changes``: field -> (old, new))."""
    return TaskEvent(
        kind=kind,
        task_id=row["id"],
        customer_id=row["customer"],
        actor=actor.name,
        channel=actor.channel,
        at=at,
        changes={k: list(v) for k, v in changes.items()},
        status=row["status"],
        priority=row["priority"],
        source=row.get("source") or "",
    )


async def find_by_intake_key(key: str) -> TaskOut | None:
    row = await task_query().where(Task.intake_key == key).first()
    return to_out(row) if row else None


async def create_task(
    hub: HubLike,
    data: TaskCreate,
    actor: Actor,
    *,
    intake_key: str | None = None,
    linked_task_id: int | None = None,
) -> TaskOut:
    """Create a task; with ``intake_key``, a second call returns the first task."""
    if intake_key:
        existing = await find_by_intake_key(intake_key)
        if existing:
            return existing
    customer = await sla_service.customer_context(data.customer_id)
    if not customer:
        raise BadRequest(
            f"customer_id: customer {data.customer_id} does not exist", field="customer_id"
        )
    await _check_refs(
        technician_id=data.assignee_technician_id,
        team_id=data.assignee_team_id,
        device_id=data.device_id,
        parent_task_id=data.parent_task_id,
    )
    if data.milestone_id is not None:
        await check_task_milestone(data.milestone_id, data.customer_id)
    now = now_utc()
    arrived = (data.arrived_at or now).astimezone(UTC)
    if arrived > now:
        raise BadRequest("arrived_at: must not be in the future", field="arrived_at")
    values: dict[str, Any] = {
        "customer": data.customer_id,
        "title": data.title.strip(),
        "description": data.description,
        "priority": data.priority,
        "priority_rank": PRIORITY_RANK[data.priority],
        "status": "open",
        "assignee_technician": data.assignee_technician_id,
        "assignee_team": data.assignee_team_id,
        "source": data.source,
        "source_ref": data.source_ref,
        "intake_key": intake_key,
        "category": data.category,
        "device": data.device_id,
        "milestone_id": data.milestone_id,
        "parent_task_id": data.parent_task_id,
        "linked_task_id": linked_task_id,
        "due_at": data.due_at,
        "arrived_at": arrived,
        "first_response_at": None,
        "resolved_at": None,
        "created_by": actor.name,
        "created_at": now,
        "updated_at": now,
    }
    sla_values = await sla_columns(hub, values, now, customer)
    values.update({_SLA_NAMES[col]: v for col, v in sla_values.items()})
    created = audit.creation(actor.name, actor.channel, now, entity="task")
    try:
        task_id = await insert_family(Row(Task, values), [created])
    except Exception as exc:
        if intake_key and is_unique_violation(exc):
            # another worker created it between our check and insert: same outcome
            existing = await find_by_intake_key(intake_key)
            if existing:
                return existing
        raise
    # the row as stored, without reading it back
    row = dict.fromkeys(_TASK_NAMES)
    row.update(
        values,
        id=task_id,
        customer_name=customer["name"],
        version=1,
        touched_by_technician=False,
        checklist_total=0,
        checklist_done=0,
        closed_at=None,
    )
    await hub.task_event(event_for("created", row, actor, now))
    if row["assignee_technician"] or row["assignee_team"]:
        await hub.task_event(
            event_for(
                "assigned",
                row,
                actor,
                now,
                assignee_technician_id=(None, row["assignee_technician"]),
                assignee_team_id=(None, row["assignee_team"]),
            )
        )
    return to_out(row)


_SIMPLE = {
    "title": Task.title,
    "description": Task.description,
    "category": Task.category,
    "due_at": Task.due_at,
    "milestone_id": Task.milestone_id,
}
_REFS = {
    "customer_id": Task.customer,
    "assignee_technician_id": Task.assignee_technician,
    "assignee_team_id": Task.assignee_team,
    "device_id": Task.device,
}


async def _status_side_effects(
    task_id: int, row: dict[str, Any], old: str, new: str, now: datetime
) -> dict[Any, Any]:
    """Pauses and timestamps that follow a status change (inside the transaction)."""
    values: dict[Any, Any] = {}
    if old == "waiting_on_customer":
        await SlaPause.update({SlaPause.ended_at: now}).where(
            (SlaPause.task == task_id) & SlaPause.ended_at.is_null()
        )
    if new == "waiting_on_customer":
        await SlaPause.insert(SlaPause(task=task_id, started_at=now, ended_at=None))
    if new == "resolved":
        values[Task.resolved_at] = now
        row["resolved_at"] = now
    if new == "closed":
        values[Task.closed_at] = now
    if old in ("resolved", "closed") and new in ("open", "in_progress"):
        # reopening resumes the resolution clock; the time it sat resolved does not count
        if row["resolved_at"] is not None:
            await SlaPause.insert(
                SlaPause(task=task_id, started_at=row["resolved_at"], ended_at=now)
            )
        values[Task.resolved_at] = None
        values[Task.closed_at] = None
        row["resolved_at"] = None
    return values


async def update_task(
    hub: HubLike,
    task_id: int,
    patch: TaskUpdate,
    actor: Actor,
    *,
    expected_version: int | None = None,
    require_version: bool = True,
) -> TaskOut:
    """Apply a partial update. The caller's version must match (412 otherwise)."""
    version = (
        expected_version
        if expected_version is not None
        else (None if patch.version is UNSET else patch.version)
    )
    if version is None and require_version:
        raise PreconditionRequired(
            "send the task's version (If-Match header or 'version' field) to update it"
        )
    await _check_refs(
        customer_id=None if patch.customer_id is UNSET else patch.customer_id,
        technician_id=None
        if patch.assignee_technician_id is UNSET
        else patch.assignee_technician_id,
        team_id=None if patch.assignee_team_id is UNSET else patch.assignee_team_id,
        device_id=None if patch.device_id is UNSET else patch.device_id,
    )
    now = now_utc()
    events: list[TaskEvent] = []
    async with write_transaction():
        row = await load_row(task_id)
        if version is not None and row["version"] != version:
            raise PreconditionFailed(
                f"task {task_id} was changed by someone else (version {row['version']}, "
                f"you sent {version}); reload and retry",
                current_version=row["version"],
            )
        changes: dict[str, tuple[Any, Any]] = {}
        values: dict[Any, Any] = {}
        for field, column in _SIMPLE.items():
            value = getattr(patch, field)
            if value is not UNSET and value != row[column._meta.name]:
                changes[field] = (row[column._meta.name], value)
                values[column] = value
                row[column._meta.name] = value
        for field, column in _REFS.items():
            value = getattr(patch, field)
            if value is not UNSET and value != row[column._meta.name]:
                changes[field] = (row[column._meta.name], value)
                values[column] = value
                row[column._meta.name] = value
        relinked = "milestone_id" in changes or "customer_id" in changes
        if row["milestone_id"] is not None and relinked:
            # the milestone must exist and belong to a project of the task's customer
            await check_task_milestone(row["milestone_id"], row["customer"])
        if patch.priority is not UNSET and patch.priority != row["priority"]:
            changes["priority"] = (row["priority"], patch.priority)
            values[Task.priority] = patch.priority
            values[Task.priority_rank] = PRIORITY_RANK[patch.priority]
            row["priority"] = patch.priority
        old_status = row["status"]
        if patch.status is not UNSET and patch.status != old_status:
            check_transition(old_status, patch.status)
            values.update(await _status_side_effects(task_id, row, old_status, patch.status, now))
            changes["status"] = (old_status, patch.status)
            values[Task.status] = patch.status
            row["status"] = patch.status
        if not changes:
            return to_out(row)
        if actor.is_technician:
            values[Task.touched_by_technician] = True
        values.update(await sla_columns(hub, row, now))
        values[Task.version] = row["version"] + 1
        values[Task.updated_at] = now
        await Task.update(values).where(Task.id == task_id)
        await audit.record(
            audit.entries("task", task_id, actor.name, actor.channel, "updated", changes)
        )
    row = await load_row(task_id)
    events.append(event_for("updated", row, actor, now, **changes))
    if "status" in changes:
        events.append(event_for("status_changed", row, actor, now, status=changes["status"]))
    if "assignee_technician_id" in changes or "assignee_team_id" in changes:
        assigned = {k: v for k, v in changes.items() if k.startswith("assignee_")}
        events.append(event_for("assigned", row, actor, now, **assigned))
    for event in events:
        await hub.task_event(event)
    return to_out(row)


async def set_status(hub: HubLike, task_id: int, status: str, actor: Actor) -> TaskOut:
    """A status change by a channel (not a person editing a form): no version needed."""
    return await update_task(
        hub,
        task_id,
        TaskUpdate(status=status),
        actor,
        require_version=False,  # type: ignore[arg-type]
    )


async def mark_first_response(hub: HubLike, task_id: int, at: datetime) -> None:
    """Stop the first-response clock (first outbound reply or public comment)."""
    async with write_transaction():
        row = await load_row(task_id)
        if row["first_response_at"] is not None:
            return
        row["first_response_at"] = at
        values = await sla_columns(hub, row, now_utc())
        values[Task.first_response_at] = at
        await Task.update(values).where(Task.id == task_id)
