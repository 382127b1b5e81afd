"""Per-task triage records and technicians' corrections, driven by task events.

When a task from email, the portal or RMM is created, triage runs on its title and
description (all ``hub_triage`` plugins, combined by the core) and the suggestion is stored
with the task. When a person later changes the task's category, priority, customer, team or
technician to something other than what was suggested, that is a correction: stored with
the task text, the suggested and corrected values, who and when (the latest per task and
field; changing back to the suggestion withdraws it). Category corrections feed retraining.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from hub.contracts import TaskEvent, TriageItem
from hub.db.engine import write_transaction
from hub.db.tables import Task, Team
from hub.logs import get_logger
from hub.runtime import Hub
from hub.services.triage import customer_context, run_triage
from plugins.triage.routing import REVIEW_QUEUE
from plugins.triage.runtime import TriageRuntime, peeking
from plugins.triage.tables import TriageCorrection, TriageRecord

log = get_logger("plugins.triage.records")
#: task source -> the kind of item triage sees
TRIAGED_SOURCES = {"email": "email", "portal": "portal", "rmm": "alert"}
#: task event change key -> correction field
CORRECTED_FIELDS = {
    "category": "category",
    "priority": "priority",
    "customer_id": "customer",
    "assignee_team_id": "team",
    "assignee_technician_id": "technician",
}
#: actors whose changes count as corrections: people, not automation or customers
PEOPLE = ("admin:", "technician:")


async def record_created(runtime: TriageRuntime, hub: Hub, event: TaskEvent) -> bool:
    """Triage a new email/portal/RMM task and store the suggestion; False if not triaged."""
    if event.source and event.source not in TRIAGED_SOURCES:
        return False  # manual and plugin tasks: no need to read the task
    task = (
        await Task.select(Task.id, Task.title, Task.description, Task.source, Task.customer)
        .where(Task.id == event.task_id)
        .first()
    )
    if task is None or task["source"] not in TRIAGED_SOURCES:
        return False
    item = TriageItem(
        kind=TRIAGED_SOURCES[task["source"]],  # type: ignore[arg-type]
        subject=task["title"],
        body=task["description"] or "",
        customer_id=task["customer"],
    )
    with peeking():
        result = await run_triage(hub.pm, item, await customer_context(task["customer"]))
    threshold = runtime.settings.review_threshold
    category = result.category
    team = str(result.team.value) if result.team else ""
    review = category is None or category.confidence < threshold or team == REVIEW_QUEUE
    reasons: list[str] = []
    for field in ("category", "priority", "team", "technician_id"):
        suggestion = getattr(result, field)
        if suggestion is not None:
            reasons.extend(r for r in suggestion.reasons if r not in reasons)
    await TriageRecord.insert(
        TriageRecord(
            task=task["id"],
            source=task["source"],
            title=task["title"],
            description=task["description"] or "",
            customer_id=task["customer"],
            category=str(category.value) if category else "",
            priority=str(result.priority.value) if result.priority else "",
            team=team,
            technician_id=int(result.technician_id.value) if result.technician_id else None,
            confidence=category.confidence if category else 0.0,
            review=review,
            reasons=reasons,
            suggestion=msgspec.to_builtins(result),
            model_version=next(iter(result.model_versions.values()), ""),
        )
    ).on_conflict(target=TriageRecord.task, action="DO NOTHING")
    return True


async def _team_name(team_id: Any) -> str:
    if team_id is None:
        return ""
    row = await Team.select(Team.name).where(Team.id == team_id).first()
    return row["name"] if row else str(team_id)


def _suggested(record: dict[str, Any], field: str) -> str:
    value = {
        "category": record["category"],
        "priority": record["priority"],
        "customer": record["customer_id"],
        "team": record["team"],
        "technician": record["technician_id"],
    }[field]
    return "" if value is None else str(value)


async def record_corrections(event: TaskEvent) -> int:
    """Store corrections found in an ``updated`` event; return how many were stored."""
    changed = {CORRECTED_FIELDS[k]: v for k, v in event.changes.items() if k in CORRECTED_FIELDS}
    if not changed or not event.actor.startswith(PEOPLE):
        return 0
    record = await TriageRecord.select().where(TriageRecord.task == event.task_id).first()
    if record is None:
        return 0
    stored = 0
    now = datetime.now(UTC)
    async with write_transaction():
        for field, (_old, new) in changed.items():
            corrected = (
                await _team_name(new) if field == "team" else ("" if new is None else str(new))
            )
            suggested = _suggested(record, field)
            key = f"{event.task_id}:{field}"
            await TriageCorrection.delete().where(TriageCorrection.key == key)
            if corrected == suggested:
                continue  # back to what triage said: no disagreement left
            await TriageCorrection.insert(
                TriageCorrection(
                    key=key,
                    task_id=event.task_id,
                    field=field,
                    suggested=suggested[:200],
                    corrected=corrected[:200],
                    title=record["title"],
                    description=record["description"],
                    actor=event.actor[:200],
                    channel=event.channel[:32],
                    model_version=record["model_version"],
                    at=event.at,
                )
            )
            stored += 1
        if record["reviewed_at"] is None:
            await TriageRecord.update({TriageRecord.reviewed_at: now}).where(
                TriageRecord.id == record["id"]
            )
    log.info("triage_corrections", task_id=event.task_id, stored=stored, fields=sorted(changed))
    return stored
