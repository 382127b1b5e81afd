"""What to do with an incoming alert: pure decision logic, no database.

The caller (the RMM intake service) loads a ``CorrelationState`` snapshot for the
alert - its stored record by fingerprint, the device's recent tasks, the customer's
recent activity, the maintenance windows covering now - calls ``decide`` and carries
out the ``Decision`` in one transaction. ``plugins.rmm.memory_state`` is the reference
implementation of that loop, kept in memory for tests and benchmarks.

Rules, in order (firing):

1. a repeat of a firing alert whose task is still active -> ``update_existing``;
2. a re-fire while its task is still active (the resolve only made a note) ->
   ``update_existing``; within ``reopen_window`` of its task being resolved ->
   ``reopen_task``;
3. a maintenance window covers the device or customer -> ``suppress_maintenance``;
4. the device has an active alert task seen within ``grouping_window`` ->
   ``attach_to_device_task``;
5. the customer's storm parent is active -> ``attach_to_storm_parent``;
6. ``storm_devices`` distinct devices of the customer started alerts within
   ``storm_window`` -> ``create_storm_parent`` (linking the recent device tasks);
7. otherwise ``create_task``.

Resolved: ``resolve_task`` when nobody touched the task, it is not flapping and no other
alert on it still fires; ``note_only`` otherwise; ``record_only`` when there is no
active task to act on. Flapping (``flap_changes`` state changes within
``flap_window``) is flagged on the decision, and keeps a flapping alert's task open.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, TypeAlias

import msgspec

from plugins.rmm.alerts import AlertStatus, NormalizedAlert, SeverityRank

Action: TypeAlias = Literal[
    "update_existing",
    "attach_to_device_task",
    "attach_to_storm_parent",
    "create_storm_parent",
    "reopen_task",
    "create_task",
    "suppress_maintenance",
    "resolve_task",
    "note_only",
    "record_only",
]
Priority: TypeAlias = Literal["critical", "high", "normal", "low"]
TaskStatus: TypeAlias = Literal["open", "in_progress", "waiting_on_customer", "resolved", "closed"]

ACTIVE_TASK_STATUSES: frozenset[str] = frozenset({"open", "in_progress", "waiting_on_customer"})
PRIORITY_ORDER: tuple[Priority, ...] = ("low", "normal", "high", "critical")
RANK_PRIORITY: dict[SeverityRank, Priority] = {
    "critical": "critical",
    "high": "high",
    "warning": "normal",
    "info": "low",
}
# Actions after which the alert counts as a new problem start on its device (storms).
NEW_OCCURRENCE_ACTIONS: frozenset[str] = frozenset(
    {
        "create_task",
        "create_storm_parent",
        "attach_to_device_task",
        "attach_to_storm_parent",
        "reopen_task",
    }
)


class CorrelationSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Thresholds; the defaults suit a small MSP and Alertmanager's usual timings."""

    grouping_window: timedelta = timedelta(minutes=30)
    storm_devices: int = 5
    storm_window: timedelta = timedelta(minutes=10)
    reopen_window: timedelta = timedelta(hours=24)
    flap_changes: int = 4
    flap_window: timedelta = timedelta(hours=1)


class AlertRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The stored alert with the incoming alert's fingerprint."""

    fingerprint: str
    status: AlertStatus
    task_id: str | None
    count: int
    first_seen: datetime
    last_seen: datetime
    state_changes: tuple[datetime, ...] = ()
    """Times of recent firing<->resolved changes, oldest first (at least ``flap_window``)."""


class TaskSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What correlation needs to know about one task."""

    task_id: str
    status: TaskStatus
    device: str | None
    created_at: datetime
    last_alert_at: datetime
    touched_by_technician: bool = False
    """A technician commented, logged time, or changed status/assignee."""
    resolved_at: datetime | None = None
    parent_task_id: str | None = None
    other_firing_alerts: int = 0
    """Firing alerts linked to this task other than the one being decided."""


class CustomerActivity(msgspec.Struct, frozen=True, kw_only=True):
    """The customer's recent alert activity across devices."""

    customer_id: str
    device_alert_starts: dict[str, datetime] = msgspec.field(default_factory=dict)
    """Device -> latest time a new alert started on it (not repeats, not suppressed)."""
    recent_tasks: tuple[TaskSnapshot, ...] = ()
    """Active alert tasks created within ``storm_window`` (linked under a new parent)."""
    storm_parent: TaskSnapshot | None = None


class MaintenanceWindow(msgspec.Struct, frozen=True, kw_only=True):
    """A maintenance period; ``None`` customer/device means every one."""

    starts_at: datetime
    ends_at: datetime
    customer_id: str | None = None
    device: str | None = None
    title: str = ""

    def covers(self, now: datetime, customer_id: str | None, device: str | None) -> bool:
        """Whether this window applies to an alert on ``device`` of ``customer_id`` at ``now``."""
        if not self.starts_at <= now < self.ends_at:
            return False
        if self.customer_id is not None and self.customer_id != customer_id:
            return False
        return self.device is None or self.device == device


class CorrelationState(msgspec.Struct, frozen=True, kw_only=True):
    """Snapshot of stored state relevant to one incoming alert."""

    existing: AlertRecord | None = None
    existing_task: TaskSnapshot | None = None
    device_tasks: tuple[TaskSnapshot, ...] = ()
    customer: CustomerActivity | None = None
    maintenance: tuple[MaintenanceWindow, ...] = ()


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """The action to carry out, on which task, and why."""

    action: Action
    reason: str
    task_id: str | None = None
    """Task acted on: updated, attached to, reopened, resolved or noted."""
    link_task_ids: tuple[str, ...] = ()
    """``create_storm_parent``: existing device tasks to put under the new parent."""
    flapping: bool = False
    maintenance_title: str | None = None

    @property
    def new_occurrence(self) -> bool:
        """Record this alert as a new problem start on its device (storm counting)."""
        return self.action in NEW_OCCURRENCE_ACTIONS


def priority_for(alert: NormalizedAlert, tier_floor: Priority | None = None) -> Priority:
    """Task priority from the alert's severity rank, never below the SLA tier's floor."""
    priority = RANK_PRIORITY[alert.severity_rank]
    if tier_floor is not None and PRIORITY_ORDER.index(tier_floor) > PRIORITY_ORDER.index(priority):
        return tier_floor
    return priority


def is_flapping(
    alert: NormalizedAlert,
    existing: AlertRecord | None,
    settings: CorrelationSettings,
    now: datetime,
) -> bool:
    """``flap_changes`` or more state changes within ``flap_window``, this one included."""
    if existing is None:
        return False
    cutoff = now - settings.flap_window
    changes = sum(1 for t in existing.state_changes if t >= cutoff)
    if existing.status != alert.status:
        changes += 1
    return changes >= settings.flap_changes


def decide(
    alert: NormalizedAlert,
    state: CorrelationState,
    now: datetime,
    settings: CorrelationSettings | None = None,
) -> Decision:
    """Decide what an alert does to tasks; see the module docstring for the rules."""
    settings = settings or CorrelationSettings()
    flapping = is_flapping(alert, state.existing, settings, now)
    if alert.status == "resolved":
        return _decide_resolved(state, flapping)
    return _decide_firing(alert, state, settings, now, flapping)


def _decide_resolved(state: CorrelationState, flapping: bool) -> Decision:
    existing, task = state.existing, state.existing_task
    if existing is None:
        return Decision(action="record_only", reason="resolve for an alert never seen firing")
    if existing.status == "resolved":
        return Decision(action="record_only", reason="already resolved", flapping=flapping)
    if task is None or task.status not in ACTIVE_TASK_STATUSES:
        why = "alert had no task" if task is None else f"task already {task.status}"
        return Decision(action="record_only", reason=why, task_id=existing.task_id)
    if task.touched_by_technician:
        reason = "a technician is working on the task"
    elif flapping:
        reason = "alert is flapping; task kept open"
    elif task.other_firing_alerts:
        reason = f"{task.other_firing_alerts} other alert(s) on the task still firing"
    else:
        return Decision(
            action="resolve_task", reason="alert resolved", task_id=task.task_id, flapping=flapping
        )
    return Decision(action="note_only", reason=reason, task_id=task.task_id, flapping=flapping)


def _decide_firing(
    alert: NormalizedAlert,
    state: CorrelationState,
    settings: CorrelationSettings,
    now: datetime,
    flapping: bool,
) -> Decision:
    existing, task = state.existing, state.existing_task
    if existing is not None and task is not None:
        if task.status in ACTIVE_TASK_STATUSES:
            reason = "repeat of a firing alert" if existing.status == "firing" else "fired again"
            return Decision(
                action="update_existing", reason=reason, task_id=task.task_id, flapping=flapping
            )
        if (
            existing.status == "resolved"
            and task.status == "resolved"
            and task.resolved_at is not None
            and now - task.resolved_at <= settings.reopen_window
        ):
            return Decision(
                action="reopen_task",
                reason="fired again within the reopen window",
                task_id=task.task_id,
                flapping=flapping,
            )

    customer_id = state.customer.customer_id if state.customer else alert.customer_hint
    for window in state.maintenance:
        if window.covers(now, customer_id, alert.device):
            return Decision(
                action="suppress_maintenance",
                reason="maintenance window",
                flapping=flapping,
                maintenance_title=window.title or None,
            )

    device_task = _recent_device_task(alert, state.device_tasks, settings, now)
    if device_task is not None:
        return Decision(
            action="attach_to_device_task",
            reason="device already has an alert task",
            task_id=device_task.task_id,
            flapping=flapping,
        )

    activity = state.customer
    if activity is None:
        return Decision(action="create_task", reason="new alert", flapping=flapping)
    parent = activity.storm_parent
    if (
        parent is not None
        and parent.status in ACTIVE_TASK_STATUSES
        and now - parent.last_alert_at <= settings.storm_window
    ):
        return Decision(
            action="attach_to_storm_parent",
            reason="customer alert storm in progress",
            task_id=parent.task_id,
            flapping=flapping,
        )
    cutoff = now - settings.storm_window
    devices = {d for d, started in activity.device_alert_starts.items() if started >= cutoff}
    devices.add(alert.device or alert.fingerprint)
    if len(devices) >= settings.storm_devices:
        return Decision(
            action="create_storm_parent",
            reason=f"{len(devices)} devices alerting within {settings.storm_window}",
            link_task_ids=tuple(
                t.task_id for t in activity.recent_tasks if t.status in ACTIVE_TASK_STATUSES
            ),
            flapping=flapping,
        )
    return Decision(action="create_task", reason="new alert", flapping=flapping)


def _recent_device_task(
    alert: NormalizedAlert,
    tasks: tuple[TaskSnapshot, ...],
    settings: CorrelationSettings,
    now: datetime,
) -> TaskSnapshot | None:
    if not alert.device:
        return None
    candidates = [
        t
        for t in tasks
        if t.device == alert.device
        and t.status in ACTIVE_TASK_STATUSES
        and now - t.last_alert_at <= settings.grouping_window
    ]
    return max(candidates, key=lambda t: t.last_alert_at, default=None)
