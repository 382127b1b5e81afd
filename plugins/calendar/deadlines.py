"""Events the calendar derives from core records: SLA deadlines and project milestones.

SLA deadlines are zero-length occurrences at the due time of each clock that still runs
(first response not yet given, or resolution of a task that is still open). Their
SEQUENCE is the task's version, which grows with every change of the task, so a moved
due time replaces the client's copy. Milestones come from ``hub.projects`` when that
app is installed; it is imported guarded so the calendar works without it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import msgspec

from hub.db.tables import Task
from hub.logs import get_logger
from plugins.calendar.events import MILESTONE, SLA_DEADLINE, Occurrence, make_uid, zone

log = get_logger("plugins.calendar.deadlines")

#: statuses whose SLA clocks can still be met
OPEN_STATUSES = ("open", "in_progress", "waiting_on_customer")
_CLOCK_NAMES = {"first_response": "first response", "resolution": "resolution"}


class TaskScope(msgspec.Struct, frozen=True, kw_only=True):
    """Which tasks' deadlines to show: every filter given must match.

    A team matches tasks assigned to the team or to one of its `team_members`.
    """

    technician_id: int | None = None
    team_id: int | None = None
    team_members: list[int] = []
    customer_id: int | None = None


def _deadline(row: dict[str, Any], clock: str, due: datetime, alarm: int) -> Occurrence:
    title = f"SLA {_CLOCK_NAMES[clock]} due: #{row['id']} {row['title']}"
    return Occurrence(
        uid=make_uid(SLA_DEADLINE, f"{row['id']}-{clock}"),
        kind=SLA_DEADLINE,
        title=title,
        start=due,
        end=due,
        customer_id=row["customer"],
        technician_id=row["assignee_technician"],
        team_id=row["assignee_team"],
        task_id=row["id"],
        sequence=row["version"],
        alarm_minutes_before=alarm,
        description=f"Task {row['id']} ({row['priority']}, {row['status']})",
        meta={"clock": clock, "priority": row["priority"], "status": row["status"]},
    )


async def sla_deadlines(
    start: datetime, end: datetime, scope: TaskScope, alarm_minutes: int
) -> list[Occurrence]:
    """Deadlines in ``[start, end)`` of open tasks whose clock is not met yet."""
    query = Task.select(
        Task.id,
        Task.title,
        Task.customer,
        Task.assignee_technician,
        Task.assignee_team,
        Task.status,
        Task.priority,
        Task.version,
        Task.first_response_due_at,
        Task.first_response_at,
        Task.resolution_due_at,
    ).where(
        Task.status.is_in(list(OPEN_STATUSES)),
        (
            (Task.first_response_due_at >= start)
            & (Task.first_response_due_at < end)
            & Task.first_response_at.is_null()
        )
        | ((Task.resolution_due_at >= start) & (Task.resolution_due_at < end)),
    )
    if scope.customer_id is not None:
        query = query.where(Task.customer == scope.customer_id)
    if scope.technician_id is not None:
        query = query.where(Task.assignee_technician == scope.technician_id)
    if scope.team_id is not None:
        members = scope.team_members or [0]
        query = query.where(
            (Task.assignee_team == scope.team_id) | Task.assignee_technician.is_in(members)
        )
    found: list[Occurrence] = []
    for row in await query.order_by(Task.id):
        first = row["first_response_due_at"]
        if first is not None and row["first_response_at"] is None and start <= first < end:
            found.append(_deadline(row, "first_response", first, alarm_minutes))
        resolution = row["resolution_due_at"]
        if resolution is not None and start <= resolution < end:
            found.append(_deadline(row, "resolution", resolution, alarm_minutes))
    return found


def _milestone_table() -> Any:
    # hub.projects is optional for the calendar: without it there are no milestones.
    try:
        from hub.projects.tables import Milestone
    except ImportError:
        return None
    return Milestone


async def milestones(start: datetime, end: datetime, customer_id: int | None) -> list[Occurrence]:
    """Target dates of open milestones in the range, as all-day events in the customer's zone."""
    milestone = _milestone_table()
    if milestone is None:
        return []
    # Dates are local to each customer: widen by a day each side, then test exactly.
    query = milestone.select(
        milestone.id,
        milestone.name,
        milestone.target_date,
        milestone.updated_at,
        milestone.project.id.as_alias("project_id"),
        milestone.project.name.as_alias("project_name"),
        milestone.project.customer.as_alias("customer_id"),
        milestone.project.customer.timezone.as_alias("tz"),
    ).where(
        milestone.target_date.is_not_null(),
        milestone.completed_on.is_null(),
        milestone.project.status.not_in(["cancelled", "completed"]),
        milestone.target_date >= (start - timedelta(days=1)).date(),
        milestone.target_date <= (end + timedelta(days=1)).date(),
    )
    if customer_id is not None:
        query = query.where(milestone.project.customer == customer_id)
    found: list[Occurrence] = []
    for row in await query.order_by(milestone.id):
        tz = row["tz"] or "UTC"
        local = zone(tz)
        day_start = datetime.combine(row["target_date"], time(0), tzinfo=local)
        day_end = datetime.combine(row["target_date"] + timedelta(days=1), time(0), tzinfo=local)
        if not (day_start < end and day_end > start):
            continue
        stamp = row["updated_at"]
        found.append(
            Occurrence(
                uid=make_uid(MILESTONE, row["id"]),
                kind=MILESTONE,
                title=f"Milestone: {row['project_name']} / {row['name']}",
                start=day_start.astimezone(UTC),
                end=day_end.astimezone(UTC),
                all_day=True,
                tz=tz,
                customer_id=row["customer_id"],
                # minutes since the epoch: grows with every change, fits SEQUENCE's integer
                sequence=int(stamp.timestamp() // 60) if stamp else 0,
                meta={"project_id": row["project_id"]},
            )
        )
    return found
