"""Tasks, checklist items, time entries, messages and audit entries at the API edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from hub.schemas.common import Id, LongText, Priority, ShortText, Status

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Source = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")]


class TaskCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    customer_id: Id
    title: Title
    description: LongText = ""
    priority: Priority = "normal"
    assignee_technician_id: Id | None = None
    assignee_team_id: Id | None = None
    source: Source = "manual"
    source_ref: ShortText = ""
    category: str = ""
    device_id: Id | None = None
    milestone_id: Id | None = None
    parent_task_id: Id | None = None
    due_at: datetime | None = None
    #: when the request arrived (defaults to now); the SLA clock starts here
    arrived_at: datetime | None = None


class TaskUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial update; ``version`` (or an ``If-Match`` header) must match the task's."""

    version: int | UnsetType = UNSET
    customer_id: Id | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    description: LongText | UnsetType = UNSET
    priority: Priority | UnsetType = UNSET
    status: Status | UnsetType = UNSET
    assignee_technician_id: Id | UnsetType | None = UNSET
    assignee_team_id: Id | UnsetType | None = UNSET
    category: str | UnsetType = UNSET
    device_id: Id | UnsetType | None = UNSET
    milestone_id: Id | UnsetType | None = UNSET
    due_at: datetime | UnsetType | None = UNSET


class SlaClockOut(msgspec.Struct, kw_only=True):
    kind: str
    target_seconds: float
    due_at: datetime
    elapsed_seconds: float
    remaining_seconds: float
    state: str
    warn_at: datetime
    breached_at: datetime | None = None
    met_at: datetime | None = None
    paused_since: datetime | None = None


class TaskSla(msgspec.Struct, kw_only=True):
    policy: str
    coverage: str
    calendar: str | None
    first_response: SlaClockOut
    resolution: SlaClockOut


class Task(msgspec.Struct, kw_only=True):
    id: int
    reference: str
    customer_id: int
    customer: str
    title: str
    description: str
    priority: Priority
    status: Status
    assignee_technician_id: int | None
    assignee_team_id: int | None
    source: str
    source_ref: str
    category: str
    device_id: int | None
    milestone_id: int | None
    parent_task_id: int | None
    linked_task_id: int | None
    due_at: datetime | None
    arrived_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla: TaskSla | None
    checklist: str
    checklist_done: int
    checklist_total: int
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class TaskSummary(msgspec.Struct, kw_only=True):
    """A queue row: what a technician scans; ``GET /tasks/{id}`` has the whole task."""

    id: int
    reference: str
    customer_id: int
    customer: str
    title: str
    priority: Priority
    status: Status
    assignee_technician_id: int | None
    assignee_team_id: int | None
    source: str
    category: str
    due_at: datetime | None
    arrived_at: datetime
    first_response_at: datetime | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    #: the nearest unmet SLA due time (None without an SLA)
    next_due_at: datetime | None
    overdue: bool
    checklist: str
    version: int
    created_at: datetime
    updated_at: datetime


class TaskPage(msgspec.Struct, kw_only=True):
    items: list[TaskSummary]
    next_cursor: str | None


class ChecklistItemIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
    position: int | None = None


class ChecklistItemPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | UnsetType = UNSET
    done: bool | UnsetType = UNSET


class ChecklistOrder(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    item_ids: list[Id]


class ChecklistItemOut(msgspec.Struct, kw_only=True):
    id: int
    task_id: int
    position: int
    text: str
    done: bool
    done_by: str | None
    done_at: datetime | None


class Checklist(msgspec.Struct, kw_only=True):
    items: list[ChecklistItemOut]
    done: int
    total: int
    summary: str


class TimeEntryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    technician_id: Id | None = None
    started_at: datetime
    minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] | None = None
    ended_at: datetime | None = None
    billable: bool = True
    work_type: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] = "standard"
    note: LongText = ""


class TimeEntryPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    started_at: datetime | UnsetType = UNSET
    minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)] | UnsetType = UNSET
    billable: bool | UnsetType = UNSET
    work_type: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | UnsetType = UNSET
    note: LongText | UnsetType = UNSET


class TimeEntryOut(msgspec.Struct, kw_only=True):
    id: int
    task_id: int
    technician_id: int
    started_at: datetime
    minutes: int
    billable: bool
    work_type: str
    note: str
    invoice_id: int | None


class TimeTotals(msgspec.Struct, kw_only=True):
    minutes: int
    billable_minutes: int
    non_billable_minutes: int
    entries: int
    by_work_type: dict[str, int]


class MessageIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=200_000)]
    #: internal notes are never shown to the customer
    kind: Literal["note", "public_comment"] = "note"


class MessageOut(msgspec.Struct, kw_only=True):
    id: int
    task_id: int
    direction: str
    channel: str
    author: str
    author_kind: str
    body: str
    public: bool
    message_id: str | None
    attachments: list[dict[str, Any]]
    created_at: datetime


class AuditOut(msgspec.Struct, kw_only=True):
    id: int
    actor: str
    channel: str
    action: str
    field: str
    old: str | None
    new: str | None
    at: datetime
