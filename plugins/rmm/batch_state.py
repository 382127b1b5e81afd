"""State shared by the alerts of one intake transaction (one fetched batch).

Loading the correlation snapshot from the tables for every alert costs a dozen queries;
in a storm most of them return what the previous alert just wrote. So per batch:

* a customer's activity (recent device starts, recent device tasks, storm parent) and
  a device's active alert tasks are loaded once and then kept current in memory as
  decisions are applied;
* the device registry is looked up once per device;
* writes that only move a time forward (a task's last alert, a device's last seen, a
  device's last problem start) are collected and flushed once before the commit.

Nothing here outlives the transaction, so a batch always starts from the tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from hub.db.tables import Device
from hub.plugins import PluginManager
from plugins.rmm.correlation import (
    ACTIVE_TASK_STATUSES,
    CorrelationSettings,
    CustomerActivity,
    MaintenanceWindow,
    TaskSnapshot,
)
from plugins.rmm.directory import Directory
from plugins.rmm.effects import DeferredEvents
from plugins.rmm.maintenance import windows_for
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
        #: the batch's bus messages (their keys are checked against rmm_intake at once)
        self.messages: list[Any] = []
        self._done_keys: set[str] | None = None
        self._intake_rows: list[RmmIntake] = []

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

    def processed(self, row: RmmIntake) -> None:
        self._intake_rows.append(row)

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
        """Write the collected times (inside the transaction, before the commit)."""
        for task_id, at in self._task_last_alert.items():
            await RmmTask.update({RmmTask.last_alert_at: at}).where(RmmTask.task == task_id)
        for device_id, at in self._device_seen.items():
            await Device.update({Device.last_seen: at}).where(Device.id == device_id)
        for (customer_id, device), at in self._starts.items():
            key = f"{customer_id}:{device}"[:400]
            updated = (
                await RmmDeviceStart.update({RmmDeviceStart.last_start: at})
                .where(RmmDeviceStart.start_key == key)
                .returning(RmmDeviceStart.id)
            )
            if not updated:
                await RmmDeviceStart.insert(
                    RmmDeviceStart(
                        start_key=key, customer=customer_id, device_name=device[:300], last_start=at
                    )
                )
        if self._intake_rows:
            await RmmIntake.insert(*self._intake_rows)
        self._intake_rows.clear()
        self._task_last_alert.clear()
        self._device_seen.clear()
        self._starts.clear()
