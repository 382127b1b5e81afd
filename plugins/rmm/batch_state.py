"""State shared by the alerts of one intake transaction (one fetched batch).

Loading the correlation snapshot from the tables for every alert costs a dozen queries;
in a storm most of them return what the previous alert just wrote. So per batch:

* a customer's activity (recent device starts, recent device tasks, storm parent) and
  a device's active alert tasks are loaded once and then kept current in memory as
  decisions are applied;
* the device registry is looked up once per device;
* the stored alert rows, the registry devices and the tasks of stored alerts are read
  once for the whole batch (``IN (...)`` queries), not per alert;
* alert rows (``alert_rows``), notes (``notes``) and writes that only move a time
  forward (a task's last alert, a device's last seen, a device's last problem start)
  are collected and written in bulk before the commit.

Nothing here outlives the transaction, so a batch always starts from the tables.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from hub.db.tables import Device
from hub.plugins import PluginManager
from plugins.rmm.alert_rows import AlertRows
from plugins.rmm.bulk import chunks, insert_rows, update_times
from plugins.rmm.correlation import (
    ACTIVE_TASK_STATUSES,
    CorrelationSettings,
    CustomerActivity,
    MaintenanceWindow,
    TaskSnapshot,
)
from plugins.rmm.directory import DeviceRegistry, Directory
from plugins.rmm.effects import ACTOR, DeferredEvents
from plugins.rmm.maintenance import windows_for
from plugins.rmm.notes import PendingNotes
from plugins.rmm.state_store import TASK_COLUMNS, snapshot_of
from plugins.rmm.tables import RmmDeviceStart, RmmIntake, RmmTask

_replace = msgspec.structs.replace
_ACTIVE = list(ACTIVE_TASK_STATUSES)


class CustomerCache:
    """One customer's alert activity, current as of the last applied decision."""

    def __init__(self) -> None:
        self.starts: dict[str, datetime] = {}
        self.tasks: dict[str, TaskSnapshot] = {}  # device tasks, by id
        self.device_loaded: set[str] = set()
        self.parent: TaskSnapshot | None = None


class Batch:
    """Caches and deferred writes of one intake transaction."""

    def __init__(
        self,
        pm: PluginManager,
        directory: Directory,
        settings: CorrelationSettings,
        start: datetime,
        end: datetime,
    ) -> None:
        self.pm = pm
        self.sink = DeferredEvents(pm)
        self.directory = directory
        self.settings = settings
        self.start = start
        self.end = end
        #: messages that can never be processed (source gone, body invalid), with why
        self.dead: list[tuple[Any, str]] = []
        self.devices: dict[tuple[Any, ...], tuple[int | None, int | None, str]] = {}
        self._maintenance: dict[int, tuple[MaintenanceWindow, ...]] = {}
        self._customers: dict[int, CustomerCache] = {}
        self._task_last_alert: dict[int, datetime] = {}
        self._device_seen: dict[int, datetime] = {}
        self._starts: dict[tuple[int, str], datetime] = {}
        self._done_keys: set[str] | None = None
        self._intake_rows: list[tuple[str, str, int, datetime]] = []
        self.alerts = AlertRows()
        self.notes = PendingNotes(ACTOR)
        self.registry = DeviceRegistry()
        #: rows (TASK_COLUMNS) of tasks stored alerts link to; dropped when a task changes
        self._task_rows: dict[int, dict[str, Any]] = {}

    # --- reads ----------------------------------------------------------------------

    async def maintenance(self, customer_id: int) -> tuple[MaintenanceWindow, ...]:
        if customer_id not in self._maintenance:
            self._maintenance[customer_id] = await windows_for(
                self.pm, customer_id, self.start, self.end + timedelta(seconds=1)
            )
        return self._maintenance[customer_id]

    async def _customer(self, customer_id: int) -> CustomerCache:
        cache = self._customers.get(customer_id)
        if cache is not None:
            return cache
        cache = CustomerCache()
        cutoff = self.start - self.settings.storm_window
        starts = await RmmDeviceStart.select(
            RmmDeviceStart.device_name, RmmDeviceStart.last_start
        ).where((RmmDeviceStart.customer == customer_id) & (RmmDeviceStart.last_start >= cutoff))
        cache.starts = {r["device_name"]: r["last_start"] for r in starts}
        recent = await RmmTask.select(*TASK_COLUMNS).where(
            (RmmTask.customer == customer_id)
            & (RmmTask.kind == "device")
            & (RmmTask.created_at >= cutoff)
            & RmmTask.task.status.is_in(_ACTIVE)
        )
        cache.tasks = {str(r["task"]): snapshot_of(r) for r in recent}
        parent = (
            await RmmTask.select(*TASK_COLUMNS)
            .where((RmmTask.customer == customer_id) & (RmmTask.kind == "storm"))
            .order_by(RmmTask.created_at, ascending=False)
            .first()
        )
        cache.parent = snapshot_of(parent) if parent is not None else None
        self._customers[customer_id] = cache
        return cache

    async def device_tasks(self, customer_id: int, device: str | None) -> tuple[TaskSnapshot, ...]:
        """The device's active alert tasks."""
        if not device:
            return ()
        cache = await self._customer(customer_id)
        if device not in cache.device_loaded:
            rows = await RmmTask.select(*TASK_COLUMNS).where(
                (RmmTask.customer == customer_id)
                & (RmmTask.kind == "device")
                & (RmmTask.device_name == device)
                & RmmTask.task.status.is_in(_ACTIVE)
            )
            for r in rows:
                cache.tasks.setdefault(str(r["task"]), snapshot_of(r))
            cache.device_loaded.add(device)
        return tuple(t for t in cache.tasks.values() if t.device == device and t.status in _ACTIVE)

    async def activity(self, customer_id: int, now: datetime) -> CustomerActivity:
        """The customer's activity as ``decide`` sees it at ``now``."""
        cache = await self._customer(customer_id)
        cutoff = now - self.settings.storm_window
        return CustomerActivity(
            customer_id=str(customer_id),
            device_alert_starts={d: t for d, t in cache.starts.items() if t >= cutoff},
            recent_tasks=tuple(
                t
                for t in cache.tasks.values()
                if t.created_at >= cutoff and t.status in ACTIVE_TASK_STATUSES
            ),
            storm_parent=cache.parent,
        )

    async def preload_device_tasks(self, customer_id: int, devices: set[str]) -> None:
        """Read the active alert tasks of the batch's devices of a customer at once."""
        cache = await self._customer(customer_id)
        wanted = sorted(d for d in devices if d and d not in cache.device_loaded)
        for part in chunks(wanted):
            rows = await RmmTask.select(*TASK_COLUMNS).where(
                (RmmTask.customer == customer_id)
                & (RmmTask.kind == "device")
                & RmmTask.device_name.is_in(part)
                & RmmTask.task.status.is_in(_ACTIVE)
            )
            for r in rows:
                cache.tasks.setdefault(str(r["task"]), snapshot_of(r))
        cache.device_loaded.update(wanted)

    async def preload_linked_tasks(self) -> None:
        """Read the tasks the batch's stored alerts link to, and which alerts fire on them."""
        task_ids = sorted(self.alerts.linked_tasks() - set(self._task_rows))
        for part in chunks(task_ids):
            rows = await RmmTask.select(*TASK_COLUMNS).where(RmmTask.task.is_in(part))
            self._task_rows.update({r["task"]: r for r in rows})
        await self.alerts.load_firing(task_ids)

    async def task_snapshot(self, task_id: int, alert_key: str) -> TaskSnapshot | None:
        """A task the plugin opened, with the number of *other* alerts on it still firing."""
        row = self._task_rows.get(task_id)
        if row is None:
            row = await RmmTask.select(*TASK_COLUMNS).where(RmmTask.task == task_id).first()
            if row is None:
                return None
            self._task_rows[task_id] = row
        return snapshot_of(row, await self.alerts.other_firing(task_id, alert_key))

    def forget_task(self, task_id: int) -> None:
        """A service changed the task: read it again when next needed."""
        self._task_rows.pop(task_id, None)

    async def already_processed(self, key: str, batch_keys: list[str]) -> bool:
        """Whether a message was committed before (one query for the whole batch)."""
        if self._done_keys is None:
            keys = list({key, *batch_keys})
            rows = await RmmIntake.select(RmmIntake.msg_key).where(RmmIntake.msg_key.is_in(keys))
            self._done_keys = {r["msg_key"] for r in rows}
        if key in self._done_keys:
            return True
        self._done_keys.add(key)  # a redelivered copy later in the same batch is skipped
        return False

    def processed(self, key: str, source: str, alerts: int) -> None:
        """Record a message as committed with the batch (``rmm_intake``)."""
        self._intake_rows.append((key, source, alerts, datetime.now(UTC)))

    # --- keeping the caches current -------------------------------------------------

    def task_created(self, customer_id: int, snapshot: TaskSnapshot, *, storm: bool) -> None:
        cache = self._customers[customer_id]
        if storm:
            cache.parent = snapshot
        else:
            cache.tasks[snapshot.task_id] = snapshot

    def task_changed(self, customer_id: int, task_id: str, **fields: Any) -> None:
        """A task's status or last alert moved; update every cached copy."""
        cache = self._customers.get(customer_id)
        if cache is None:
            return
        if task_id in cache.tasks:
            cache.tasks[task_id] = _replace(cache.tasks[task_id], **fields)
        if cache.parent is not None and cache.parent.task_id == task_id:
            cache.parent = _replace(cache.parent, **fields)

    def alert_linked(self, customer_id: int, task_id: int, now: datetime) -> None:
        self._task_last_alert[task_id] = max(now, self._task_last_alert.get(task_id, now))
        self.task_changed(customer_id, str(task_id), last_alert_at=now)

    def problem_started(self, customer_id: int, device: str, now: datetime) -> None:
        self._starts[(customer_id, device)] = now
        self._customers[customer_id].starts[device] = now

    def device_seen(self, device_id: int, now: datetime) -> None:
        self._device_seen[device_id] = max(now, self._device_seen.get(device_id, now))

    # --- deferred writes ------------------------------------------------------------

    async def flush(self) -> None:
        """Write everything collected (inside the transaction, before the commit)."""
        await self.notes.write(self.sink)
        await self.alerts.flush()
        await update_times(RmmTask, "task", "last_alert_at", self._task_last_alert)
        await update_times(Device, "id", "last_seen", self._device_seen)
        # one row per key: an upsert may touch a row only once
        starts = {
            f"{customer_id}:{device}"[:400]: (customer_id, device[:300], at)
            for (customer_id, device), at in self._starts.items()
        }
        await insert_rows(
            RmmDeviceStart,
            ("start_key", "customer", "device_name", "last_start"),
            [(key, *row) for key, row in starts.items()],
            conflict="start_key",
            update=("last_start",),
        )
        await insert_rows(
            RmmIntake, ("msg_key", "source", "alerts", "processed_at"), self._intake_rows
        )
        self._intake_rows.clear()
        self._task_last_alert.clear()
        self._device_seen.clear()
        self._starts.clear()
