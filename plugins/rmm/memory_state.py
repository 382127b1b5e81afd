"""An in-memory store that runs alerts through ``correlation.decide``.

It is the reference for what the database-backed intake service must do around
``decide``: which snapshot to load (``snapshot``) and how each ``Decision`` changes
alerts and tasks (``apply``). Tests and ``bench/`` drive it; it is not used in
production, where the same steps run against piccolo tables in one transaction.

The customer is taken from ``alert.customer_hint``; the real service resolves the
hint (or the device) to a customer id first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import msgspec

from plugins.rmm.alerts import NormalizedAlert
from plugins.rmm.correlation import (
    ACTIVE_TASK_STATUSES,
    AlertRecord,
    CorrelationSettings,
    CorrelationState,
    CustomerActivity,
    Decision,
    MaintenanceWindow,
    TaskSnapshot,
    decide,
)

_replace = msgspec.structs.replace


class InMemoryAlertState:
    """Alerts by fingerprint, tasks by id, and per-customer storm bookkeeping."""

    def __init__(
        self,
        settings: CorrelationSettings | None = None,
        maintenance: Iterable[MaintenanceWindow] = (),
    ) -> None:
        self.settings = settings or CorrelationSettings()
        self.maintenance = tuple(maintenance)
        self.alerts: dict[str, AlertRecord] = {}
        self.tasks: dict[str, TaskSnapshot] = {}
        self.task_customer: dict[str, str | None] = {}
        self.task_alerts: dict[str, set[str]] = {}
        self.device_starts: dict[str, dict[str, datetime]] = {}
        self.storm_parents: dict[str, str] = {}
        self.actions: Counter[str] = Counter()
        self.flapping: set[str] = set()
        self._next_task = 0

    def handle(self, alert: NormalizedAlert, now: datetime) -> Decision:
        """Snapshot, decide and apply one alert; return the decision."""
        decision = decide(alert, self.snapshot(alert, now), now, self.settings)
        self.apply(alert, decision, now)
        return decision

    def touch(self, task_id: str) -> None:
        """A technician worked on the task (so a resolve only adds a note)."""
        self.tasks[task_id] = _replace(self.tasks[task_id], touched_by_technician=True)

    def close(self, task_id: str) -> None:
        """A technician closed the task."""
        self.tasks[task_id] = _replace(self.tasks[task_id], status="closed")

    def snapshot(self, alert: NormalizedAlert, now: datetime) -> CorrelationState:
        """The state ``decide`` needs for ``alert``, as the service would query it."""
        existing = self.alerts.get(alert.fingerprint)
        existing_task = None
        if existing is not None and existing.task_id is not None:
            existing_task = self._task_view(existing.task_id, alert.fingerprint)
        customer = alert.customer_hint
        device_tasks = tuple(
            self._task_view(task_id, alert.fingerprint)
            for task_id, task in self.tasks.items()
            if alert.device
            and task.device == alert.device
            and self.task_customer[task_id] == customer
            and task.status in ACTIVE_TASK_STATUSES
        )
        activity = None
        if customer is not None:
            cutoff = now - self.settings.storm_window
            parent_id = self.storm_parents.get(customer)
            activity = CustomerActivity(
                customer_id=customer,
                device_alert_starts=dict(self.device_starts.get(customer, {})),
                recent_tasks=tuple(
                    t
                    for task_id, t in self.tasks.items()
                    if self.task_customer[task_id] == customer
                    and t.device is not None
                    and t.created_at >= cutoff
                    and t.status in ACTIVE_TASK_STATUSES
                ),
                storm_parent=self.tasks[parent_id] if parent_id else None,
            )
        covering = tuple(m for m in self.maintenance if m.starts_at <= now < m.ends_at)
        return CorrelationState(
            existing=existing,
            existing_task=existing_task,
            device_tasks=device_tasks,
            customer=activity,
            maintenance=covering,
        )

    def apply(self, alert: NormalizedAlert, decision: Decision, now: datetime) -> None:
        """Carry out ``decision`` as the service would."""
        self.actions[decision.action] += 1
        if decision.flapping:
            self.flapping.add(alert.fingerprint)
        task_id = decision.task_id
        action = decision.action
        if action in ("create_task", "create_storm_parent"):
            task_id = self._new_task(alert, now, parent=action == "create_storm_parent")
            for child in decision.link_task_ids:
                self.tasks[child] = _replace(self.tasks[child], parent_task_id=task_id)
        elif action == "reopen_task":
            assert task_id is not None
            self.tasks[task_id] = _replace(
                self.tasks[task_id], status="open", resolved_at=None, last_alert_at=now
            )
        elif action == "resolve_task":
            assert task_id is not None
            self.tasks[task_id] = _replace(self.tasks[task_id], status="resolved", resolved_at=now)
        elif action in ("update_existing", "attach_to_device_task", "attach_to_storm_parent"):
            assert task_id is not None
            self.tasks[task_id] = _replace(self.tasks[task_id], last_alert_at=now)
        linked = task_id if action not in ("suppress_maintenance", "record_only") else None
        self._record(alert, linked, now)
        if decision.new_occurrence and alert.customer_hint is not None:
            device = alert.device or alert.fingerprint
            self.device_starts.setdefault(alert.customer_hint, {})[device] = now

    def _record(self, alert: NormalizedAlert, task_id: str | None, now: datetime) -> None:
        old = self.alerts.get(alert.fingerprint)
        if old is None:
            record = AlertRecord(
                fingerprint=alert.fingerprint,
                status=alert.status,
                task_id=task_id,
                count=1,
                first_seen=now,
                last_seen=now,
            )
        else:
            cutoff = now - self.settings.flap_window
            changes = tuple(t for t in old.state_changes if t >= cutoff)
            if old.status != alert.status:
                changes += (now,)
            record = _replace(
                old,
                status=alert.status,
                task_id=task_id or old.task_id,
                count=old.count + 1,
                last_seen=now,
                state_changes=changes,
            )
        self.alerts[alert.fingerprint] = record
        if old is not None and old.task_id not in (None, record.task_id):
            self.task_alerts[old.task_id].discard(alert.fingerprint)
        if record.task_id is not None:
            self.task_alerts.setdefault(record.task_id, set()).add(alert.fingerprint)

    def _new_task(self, alert: NormalizedAlert, now: datetime, *, parent: bool) -> str:
        self._next_task += 1
        task_id = f"T{self._next_task}"
        self.tasks[task_id] = TaskSnapshot(
            task_id=task_id,
            status="open",
            device=None if parent else alert.device,
            created_at=now,
            last_alert_at=now,
        )
        self.task_customer[task_id] = alert.customer_hint
        if parent and alert.customer_hint is not None:
            self.storm_parents[alert.customer_hint] = task_id
        return task_id

    def _task_view(self, task_id: str, fingerprint: str) -> TaskSnapshot:
        firing = sum(
            1
            for fp in self.task_alerts.get(task_id, ())
            if fp != fingerprint and self.alerts[fp].status == "firing"
        )
        return _replace(self.tasks[task_id], other_firing_alerts=firing)
