"""The breach monitor: warnings at a share of the target, breaches at the due time.

Each task row carries ``sla_next_check_at``, the next moment a warning or breach is
due; the monitor wakes periodically, takes the rows whose moment has passed, and
publishes each notice exactly once:

1. publish on ``hub.evt.sla.<kind>`` with ``Nats-Msg-Id`` = the notice key, so a
   repeat after a crash inside JetStream's duplicate window is dropped by the server;
2. record the key in ``sla_notice`` (unique), which is what survives restarts;
3. call ``hub_sla_event`` for in-process plugins.

After downtime the first tick finds every row whose moment passed meanwhile: nothing
is missed, and recorded keys are never published again.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from hub.contracts import SlaEvent
from hub.db.engine import write_transaction
from hub.db.integrity import is_unique_violation
from hub.db.tables import SlaNotice, Task
from hub.logs import get_logger
from hub.plugins import await_all
from hub.services import sla as sla_service
from hub.services.state_machine import OPEN_STATUSES

if TYPE_CHECKING:
    from hub.runtime import Hub

log = get_logger("hub.sla_monitor")
INTERVAL = float(os.environ.get("ATLAS_SLA_MONITOR_INTERVAL", "5"))


class BreachMonitor:
    def __init__(self, hub: Hub, interval: float = INTERVAL) -> None:
        self.hub = hub
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick(datetime.now(UTC))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sla_monitor_tick_failed")
            await asyncio.sleep(self.interval)

    async def tick(self, now: datetime, batch: int = 500) -> int:
        """Publish every notice due at ``now``; returns how many were published."""
        rows = (
            await Task.select(Task.id)
            .where((Task.sla_next_check_at <= now) & Task.status.is_in(list(OPEN_STATUSES)))
            .order_by(Task.sla_next_check_at)
            .limit(batch)
        )
        published = 0
        for row in rows:
            published += await self._check_task(row["id"], now)
        return published

    async def _check_task(self, task_id: int, now: datetime) -> int:
        from hub.services.task_rows import load_row
        from hub.services.tasks import sla_columns

        task = await load_row(task_id)
        columns = await sla_columns(self.hub, task, now)
        raw = columns[Task.sla]
        if raw == "{}":
            await Task.update({Task.sla_next_check_at: None}).where(Task.id == task_id)
            return 0
        state = msgspec.json.decode(raw, type=sla_service.TaskSlaState)
        keys = {
            r["notice_key"]
            for r in await SlaNotice.select(SlaNotice.notice_key).where(SlaNotice.task == task_id)
        }
        count = 0
        for clock in (state.first_response, state.resolution):
            if clock.met_at is not None or clock.paused_since is not None:
                continue
            for kind, moment in (("warning", clock.warn_at), ("breached", clock.due_at)):
                key = sla_service.notice_key(clock, kind, task_id)
                if now < moment or key in keys:
                    continue
                event = SlaEvent(
                    kind=kind,  # type: ignore[arg-type]
                    task_id=task_id,
                    customer_id=task["customer"],
                    clock=clock.kind,
                    due_at=clock.due_at,
                    at=now,
                )
                if await self._publish_once(event, key):
                    count += 1
                keys.add(key)
        columns[Task.sla_next_check_at] = sla_service.next_check(state, frozenset(keys), task_id)
        await Task.update(columns).where(Task.id == task_id)
        return count

    async def _publish_once(self, event: SlaEvent, key: str) -> bool:
        bus = self.hub.bus
        if bus is None:
            return False
        await bus.publish_durable(f"hub.evt.sla.{event.kind}", msgspec.json.encode(event), key=key)
        try:
            async with write_transaction():
                await SlaNotice.insert(SlaNotice(task=event.task_id, notice_key=key))
        except Exception as exc:
            if is_unique_violation(exc):
                return False  # another hub process recorded it first
            raise
        log.info("sla_notice", task_id=event.task_id, kind=event.kind, clock=event.clock)
        try:
            await await_all(self.hub.pm.hook.hub_sla_event(event=event, hub=self.hub))
        except Exception:
            log.exception("sla_event_hook_failed", task_id=event.task_id)
        return True
