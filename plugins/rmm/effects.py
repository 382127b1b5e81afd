"""Carrying out a correlation ``Decision`` against tasks and the plugin's tables.

Runs inside the intake transaction. Task changes go through the core services
(``create_task``, ``set_status``) with an event sink that holds their events until the
transaction commits (``DeferredEvents``), so nothing is announced for work that is
rolled back. Notes (``notes.PendingNotes``) and alert rows (``alert_rows.AlertRows``)
are collected and written in bulk with the batch. Setting a child's ``parent_task_id``
has no service yet: it is written here with an audit entry and a version bump, like the
services do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from hub.contracts import TaskEvent, TriageItem
from hub.db.tables import Task
from hub.plugins import PluginManager
from hub.schemas.tasks import TaskCreate
from hub.services import audit, tasks
from hub.services.context import Actor
from hub.services.task_rows import load_row
from hub.services.triage import route_item
from plugins.rmm.alerts import NormalizedAlert
from plugins.rmm.correlation import PRIORITY_ORDER, Decision, TaskSnapshot, priority_for
from plugins.rmm.tables import RmmTask

if TYPE_CHECKING:
    from plugins.rmm.batch_state import Batch

ACTOR = Actor(name="system:rmm", channel="rmm")
_LINKING = frozenset({"update_existing", "attach_to_device_task", "attach_to_storm_parent"})


class DeferredEvents:
    """A ``HubLike`` for the services that keeps task events until after the commit."""

    def __init__(self, pm: PluginManager) -> None:
        self.pm = pm
        self.events: list[TaskEvent] = []

    async def task_event(self, event: TaskEvent) -> None:
        self.events.append(event)


class AlertContext(msgspec.Struct, kw_only=True):
    """One alert being applied: who it belongs to and where it is stored."""

    source: str
    alert_key: str
    alert: NormalizedAlert
    customer_id: int | None
    customer_name: str
    tier_floor: str | None
    device_id: int | None
    now: datetime
    intake_key: str
    existing: dict[str, Any] | None
    storm_devices: int = 0
    storm_min_priority: str = "high"


def _title(alert: NormalizedAlert) -> str:
    title = alert.title
    # "dc01.acme.local" is named enough by "... on dc01"
    if alert.device and alert.device.split(".")[0].lower() not in title.lower():
        title = f"{alert.device}: {title}"
    return title[:500]


def _description(alert: NormalizedAlert) -> str:
    lines = [alert.description, ""] if alert.description else []
    lines.append(f"Source: {alert.source}, severity {alert.severity or '-'}")
    if alert.device:
        lines.append(f"Device: {alert.device}" + (f" (site {alert.site})" if alert.site else ""))
    if alert.url:
        lines.append(f"Link: {alert.url}")
    if alert.labels:
        lines.append("Labels: " + ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items())))
    return "\n".join(lines)[:100_000]


def _arrived(alert: NormalizedAlert) -> datetime:
    # the SLA clock starts when the problem started, never in the future
    return min(alert.starts_at, datetime.now(UTC))


async def _route(batch: Batch, ctx: AlertContext, title: str, description: str) -> dict[str, Any]:
    """The team and technician triage routes a new alert task to (none: review queue).

    Runs in the intake transaction (triage only reads, and its round-robin counters
    join the transaction). The alert's own priority stands: triage picks the queue.
    """
    item = TriageItem(
        kind="alert",
        subject=title,
        body=description,
        customer_id=ctx.customer_id,
        device=ctx.alert.device,
        alert_severity=ctx.alert.severity,
        received_at=_arrived(ctx.alert),
    )
    return await route_item(batch.pm, item)


async def _create(batch: Batch, ctx: AlertContext, *, storm: bool) -> int:
    assert ctx.customer_id is not None
    alert = ctx.alert
    priority = priority_for(alert, ctx.tier_floor)  # type: ignore[arg-type]
    if storm:
        floor = ctx.storm_min_priority
        if PRIORITY_ORDER.index(floor) > PRIORITY_ORDER.index(priority):  # type: ignore[arg-type]
            priority = floor  # type: ignore[assignment]
        title = f"Alert storm at {ctx.customer_name}: {ctx.storm_devices} devices alerting"
        description = f"Many devices of {ctx.customer_name} alert at once (site outage?).\n"
        description += f"First alert of the storm:\n{_title(alert)}\n{_description(alert)}"
    else:
        title, description = _title(alert), _description(alert)
    # a redelivered alert finds its task in create_task: route only a new one (routing
    # advances the team's round robin)
    done = await tasks.find_by_intake_key(f"rmm:{ctx.intake_key}")
    routed = {} if done else await _route(batch, ctx, title, description)
    created = await tasks.create_task(
        batch.sink,
        TaskCreate(
            customer_id=ctx.customer_id,
            title=title[:500],
            description=description,
            priority=priority,
            source="rmm",
            source_ref=alert.fingerprint[:500],
            category="alert-storm" if storm else "alert",
            device_id=None if storm else ctx.device_id,
            arrived_at=_arrived(alert),
            **routed,
        ),
        ACTOR,
        intake_key=f"rmm:{ctx.intake_key}",
    )
    await RmmTask.insert(
        RmmTask(
            task=created.id,
            customer=ctx.customer_id,
            kind="storm" if storm else "device",
            device_name="" if storm else (alert.device or ""),
            created_at=ctx.now,
            last_alert_at=ctx.now,
        )
    )
    snapshot = TaskSnapshot(
        task_id=str(created.id),
        status="open",
        device=None if storm else alert.device,
        created_at=ctx.now,
        last_alert_at=ctx.now,
    )
    batch.task_created(ctx.customer_id, snapshot, storm=storm)
    return created.id


async def _link_children(sink: DeferredEvents, parent_id: int, child_ids: list[int]) -> None:
    now = datetime.now(UTC)
    for child in child_ids:
        row = await load_row(child)
        if row["parent_task_id"] == parent_id:
            continue
        await Task.update(
            {Task.parent_task_id: parent_id, Task.version: row["version"] + 1, Task.updated_at: now}
        ).where(Task.id == child)
        change = {"parent_task_id": (row["parent_task_id"], parent_id)}
        await audit.record(
            audit.entries("task", child, ACTOR.name, ACTOR.channel, "updated", change)
        )
        row["parent_task_id"] = parent_id
        await sink.task_event(tasks.event_for("updated", row, ACTOR, now, **change))


def note(batch: Batch, task_id: int, source: str, body: str) -> None:
    """An internal note on a task from the monitoring source (written with the batch)."""
    batch.notes.add(task_id, source, body)


async def _before_service(batch: Batch, *task_ids: int) -> None:
    """Write pending notes first (keeps the order of messages, audit and events)."""
    await batch.notes.write(batch.sink)
    for task_id in task_ids:
        batch.forget_task(task_id)


async def apply(batch: Batch, ctx: AlertContext, decision: Decision) -> int | None:
    """Carry out ``decision``; return the task the alert is linked to (if any)."""
    alert, action, sink = ctx.alert, decision.action, batch.sink
    assert ctx.customer_id is not None
    task_id = int(decision.task_id) if decision.task_id is not None else None
    what = f"{alert.title} ({alert.device or 'no device'}, {alert.severity or 'no severity'})"
    if action == "create_task":
        await _before_service(batch)
        task_id = await _create(batch, ctx, storm=False)
    elif action == "create_storm_parent":
        children = [int(t) for t in decision.link_task_ids]
        await _before_service(batch, *children)
        task_id = await _create(batch, ctx, storm=True)
        await _link_children(sink, task_id, children)
    elif action == "reopen_task":
        assert task_id is not None
        await _before_service(batch, task_id)
        await tasks.set_status(sink, task_id, "open", ACTOR)
        batch.task_changed(ctx.customer_id, str(task_id), status="open", resolved_at=None)
        note(batch, task_id, ctx.source, f"Fired again, task reopened: {what}")
    elif action == "resolve_task":
        assert task_id is not None
        note(batch, task_id, ctx.source, f"Resolved by monitoring: {what}")
        await _before_service(batch, task_id)
        await tasks.set_status(sink, task_id, "resolved", ACTOR)
        batch.task_changed(ctx.customer_id, str(task_id), status="resolved", resolved_at=ctx.now)
    elif action == "note_only":
        assert task_id is not None
        reason = f"Alert resolved, task left open ({decision.reason}): {what}"
        note(batch, task_id, ctx.source, reason)
    elif action == "attach_to_device_task":
        assert task_id is not None
        note(batch, task_id, ctx.source, f"Another alert on this device: {what}")
    if task_id is not None and action in _LINKING | {"reopen_task"}:
        batch.alert_linked(ctx.customer_id, task_id, ctx.now)
    old_flapping = bool(ctx.existing and ctx.existing["flapping"])
    if decision.flapping and not old_flapping and task_id is not None:
        flap = f"Alert is flapping (repeatedly firing and resolving): {what}"
        note(batch, task_id, ctx.source, flap)
    if decision.new_occurrence:
        batch.problem_started(ctx.customer_id, alert.device or alert.fingerprint, ctx.now)
    return task_id if action not in ("suppress_maintenance", "record_only") else None


def record(
    batch: Batch,
    ctx: AlertContext,
    decision: Decision | None,
    task_id: int | None,
    flap_window_s: float,
) -> None:
    """Set the alert row (count, last seen, state changes, task link); written with the batch."""
    alert, old, now = ctx.alert, ctx.existing, ctx.now
    action = decision.action if decision else "record_only"
    reason = decision.reason if decision else "no customer mapped"
    if decision and decision.maintenance_title:
        reason = f"{reason}: {decision.maintenance_title}"
    row: dict[str, Any] = {
        "status": alert.status,
        "severity": alert.severity[:64],
        "severity_rank": alert.severity_rank,
        "title": alert.title[:500],
        "description": alert.description,
        "customer": ctx.customer_id,
        "device": ctx.device_id,
        "device_name": alert.device or "",
        "site": (alert.site or "")[:200],
        "labels": msgspec.json.encode(alert.labels).decode(),
        "url": (alert.url or "")[:2000],
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "last_seen": now,
        "flapping": bool(decision and decision.flapping),
        "last_action": action,
        "last_reason": reason[:300],
    }
    if old is None:
        row.update(
            id=None,
            alert_key=ctx.alert_key,
            source=ctx.source,
            fingerprint=alert.fingerprint[:300],
            first_seen=now,
            task=task_id,
            times_seen=1,
            state_changes="[]",
        )
        batch.alerts.put(ctx.alert_key, row)
        return
    changes = [
        t
        for t in msgspec.json.decode(old["state_changes"] or "[]", type=list[datetime])
        if (now - t).total_seconds() <= flap_window_s
    ]
    if old["status"] != alert.status:
        changes.append(now)
    row.update(
        id=old["id"],
        alert_key=old["alert_key"],
        source=old["source"],
        fingerprint=old["fingerprint"],
        first_seen=old["first_seen"],
        task=task_id if task_id is not None else old["task"],
        times_seen=old["times_seen"] + 1,
        state_changes=msgspec.json.encode(changes).decode(),
    )
    batch.alerts.put(ctx.alert_key, row)
