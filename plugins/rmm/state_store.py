"""Loading the correlation snapshot (``CorrelationState``) for one alert (via the batch).

Mirrors ``memory_state.InMemoryAlertState.snapshot``: the stored alert, its task, the
device's active alert tasks, the customer's recent activity and storm parent, and the
maintenance windows covering the alert. Ids become strings in the correlation Structs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from plugins.rmm.correlation import (
    ACTIVE_TASK_STATUSES,
    AlertRecord,
    CorrelationState,
    TaskSnapshot,
)
from plugins.rmm.tables import RmmTask

if TYPE_CHECKING:
    from plugins.rmm.batch_state import Batch

_ACTIVE = list(ACTIVE_TASK_STATUSES)
TASK_COLUMNS = (
    RmmTask.task,
    RmmTask.device_name,
    RmmTask.kind,
    RmmTask.created_at,
    RmmTask.last_alert_at,
    RmmTask.task.status.as_alias("status"),
    RmmTask.task.touched_by_technician.as_alias("touched"),
    RmmTask.task.resolved_at.as_alias("resolved_at"),
    RmmTask.task.parent_task_id.as_alias("parent_task_id"),
)


def decode_changes(raw: str | None) -> tuple[datetime, ...]:
    return tuple(msgspec.json.decode(raw or "[]", type=list[datetime]))


def record_of(row: dict[str, Any]) -> AlertRecord:
    """The stored alert row as the correlation ``AlertRecord``."""
    return AlertRecord(
        fingerprint=row["fingerprint"],
        status=row["status"],
        task_id=str(row["task"]) if row["task"] is not None else None,
        count=row["times_seen"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        state_changes=decode_changes(row["state_changes"]),
    )


def snapshot_of(row: dict[str, Any], other_firing: int = 0) -> TaskSnapshot:
    parent = row["parent_task_id"]
    return TaskSnapshot(
        task_id=str(row["task"]),
        status=row["status"],
        device=row["device_name"] or None,
        created_at=row["created_at"],
        last_alert_at=row["last_alert_at"],
        touched_by_technician=bool(row["touched"]),
        resolved_at=row["resolved_at"],
        parent_task_id=str(parent) if parent is not None else None,
        other_firing_alerts=other_firing,
    )


async def load_state(
    batch: Batch,
    *,
    alert_key: str,
    existing: dict[str, Any] | None,
    customer_id: int,
    device_name: str | None,
    now: datetime,
) -> CorrelationState:
    """Everything ``decide`` needs about an alert of ``customer_id`` at ``now``."""
    record = record_of(existing) if existing is not None else None
    existing_task = None
    if existing is not None and existing["task"] is not None:
        existing_task = await batch.task_snapshot(existing["task"], alert_key)
    maintenance = await batch.maintenance(customer_id)
    return CorrelationState(
        existing=record,
        existing_task=existing_task,
        device_tasks=await batch.device_tasks(customer_id, device_name),
        customer=await batch.activity(customer_id, now),
        maintenance=tuple(m for m in maintenance if m.starts_at <= now < m.ends_at),
    )


def storm_device_count(
    state: CorrelationState, device: str, window: timedelta, now: datetime
) -> int:
    """Distinct devices alerting within ``window`` (for a storm parent's title)."""
    starts = state.customer.device_alert_starts if state.customer else {}
    return len({d for d, t in starts.items() if t >= now - window} | {device})
