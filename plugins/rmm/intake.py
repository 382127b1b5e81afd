"""The intake consumer of ``hub.in.alert.rmm``: bus message -> alerts -> tasks.

A fetched batch is committed in one transaction (SQLite commits per batch are what
make storms cheap); if anything in it fails, the batch is rolled back and each message
is retried on its own through ``hub.intake.batch_handler`` (time budget, retries, dead
letters). Every message is recorded in ``rmm_intake`` by its bus key in the same
transaction, so a redelivery after a lost ack changes nothing.

Correlation time (``now`` for ``decide``) is when the webhook accepted the POST
(``X-Atlas-Received-At``), so a backlog processed late still groups, reopens and
detects storms as it would have live.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
from nats.aio.msg import Msg

from hub.db.engine import write_transaction
from hub.errors import HubError
from hub.intake import batch_handler
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.rmm import directory as dirs
from plugins.rmm import effects
from plugins.rmm.adapters.payload import RECEIVED_AT_HEADER
from plugins.rmm.alerts import NormalizedAlert
from plugins.rmm.batch_state import Batch
from plugins.rmm.config import Source
from plugins.rmm.correlation import Decision, decide
from plugins.rmm.effects import AlertContext
from plugins.rmm.runtime import RmmRuntime
from plugins.rmm.state_store import load_state, storm_device_count
from plugins.rmm.webhook import SOURCE_HEADER, parse_body

log = get_logger("plugins.rmm.intake")
BATCH_BUDGET_SECONDS = 60.0


def _headers(msg: Msg) -> dict[str, str]:
    return dict(msg.headers or {})


def received_at(msg: Msg) -> datetime:
    raw = _headers(msg).get(RECEIVED_AT_HEADER)
    if raw:
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def message_key(msg: Msg) -> str:
    headers = _headers(msg)
    return (
        headers.get("Nats-Msg-Id")
        or hashlib.sha256(headers.get(SOURCE_HEADER, "").encode() + b"\0" + msg.data).hexdigest()
    )


class AlertIntake:
    """Turns queued webhook bodies into alerts, devices and tasks."""

    def __init__(self, hub: Hub, runtime: RmmRuntime) -> None:
        self.hub = hub
        self.runtime = runtime
        self._single = batch_handler(
            hub.bus_required, Any, self._handle_single, budget_seconds=30.0, name="rmm-intake"
        )

    async def handle(self, msgs: Sequence[Msg]) -> None:
        """Consumer handler: the whole batch in one transaction, else one by one."""
        if len(msgs) > 1:
            times = [received_at(m) for m in msgs]
            batch = self._batch(min(times), max(times))
            try:
                async with asyncio.timeout(BATCH_BUDGET_SECONDS):
                    async with write_transaction():
                        await self.process(batch, msgs)
                        await batch.flush()
            except Exception as exc:
                log.warning("rmm_batch_failed_retrying_singly", count=len(msgs), error=repr(exc))
            else:
                await self._announce(batch)
                dead = {id(m): why for m, why in batch.dead}
                for msg in msgs:
                    if id(msg) in dead:
                        await self.hub.bus_required.dead_letter(msg, dead[id(msg)])
                    else:
                        await msg.ack()
                return
        await self._single(msgs)

    async def _handle_single(self, _: Any, msg: Msg) -> None:
        when = received_at(msg)
        batch = self._batch(when, when)
        async with write_transaction():
            await self.process(batch, [msg])
            await batch.flush()
        await self._announce(batch)
        for dead, why in batch.dead:
            # a copy is kept on hub.dead.*; batch_handler then acks the original
            log.error("rmm_intake_dead_letter", reason=why)
            headers = _headers(dead) | {"Atlas-Dead-Reason": why[:500]}
            headers.pop("Nats-Msg-Id", None)
            await self.hub.bus_required.publish_durable(
                f"hub.dead.{dead.subject}", dead.data, headers=headers
            )

    def _batch(self, start: datetime, end: datetime) -> Batch:
        directory = dirs.Directory(self.runtime.settings)
        return Batch(self.hub.pm, directory, self.runtime.correlation, start, end)

    async def _announce(self, batch: Batch) -> None:
        for event in batch.sink.events:
            await self.hub.task_event(event)

    async def process(self, batch: Batch, msgs: Sequence[Msg]) -> int:
        """Apply every alert of the messages, in order; return how many there were.

        The batch's stored alert rows, registry devices and tasks are read up front with
        a few ``IN (...)`` queries; placing alerts (customer, device) comes first for all
        of them, since it does not depend on correlation, so that each customer's device
        tasks can be read at once too.
        """
        keys = [message_key(m) for m in msgs]
        work: list[tuple[Source, NormalizedAlert, datetime, str, str]] = []
        for msg, key in zip(msgs, keys, strict=True):
            if await batch.already_processed(key, keys):
                continue
            headers = _headers(msg)
            name = headers.get(SOURCE_HEADER, "")
            source = self.runtime.sources.get(name)
            if source is None:
                batch.dead.append((msg, f"alert source {name!r} is no longer configured"))
                continue
            try:
                alerts = parse_body(self.runtime, source, msg.data, headers)
            except HubError as exc:
                batch.dead.append((msg, f"body no longer parses: {exc.detail}"))
                continue
            now = received_at(msg)
            for index, alert in enumerate(alerts):
                if alert.device:
                    alert = msgspec.structs.replace(alert, device=dirs.device_key(alert.device))
                work.append((source, alert, now, f"{key}:{index}", f"{name}:{alert.fingerprint}"))
            batch.processed(key, name, len(alerts))
        if not work:
            return 0
        await batch.alerts.load(w[4] for w in work)
        await batch.registry.load(
            {w[1].device for w in work if w[1].device},
            {w[1].labels.get("agent_id", "") for w in work},
        )
        placed = [await self._place(batch, source, alert, now) for source, alert, now, *_ in work]
        devices: dict[int, set[str]] = {}
        for (_, alert, *_), (customer_id, _, _) in zip(work, placed, strict=True):
            if customer_id is not None and alert.device:
                devices.setdefault(customer_id, set()).add(alert.device)
        for customer_id, names in devices.items():
            await batch.preload_device_tasks(customer_id, names)
        await batch.preload_linked_tasks()
        for (source, alert, now, intake_key, alert_key), where in zip(work, placed, strict=True):
            existing = batch.alerts.get(alert_key)
            await self.process_alert(batch, source, alert, now, intake_key, existing, where)
        return len(work)

    async def _place(
        self, batch: Batch, source: Source, alert: NormalizedAlert, now: datetime
    ) -> tuple[int | None, int | None, str]:
        """Customer, registered device id and how it was mapped (once per device a batch)."""
        cache_key = (source.name, alert.device, alert.labels.get("agent_id"), alert.customer_hint)
        placed = batch.devices.get(cache_key)
        if placed is None:
            customer_id, device, how = await dirs.resolve(
                batch.directory, batch.registry, source, alert
            )
            device_id = await dirs.touch_device(batch.registry, device, alert, customer_id, now)
            placed = batch.devices[cache_key] = (customer_id, device_id, how)
        if placed[1] is not None:
            batch.device_seen(placed[1], now)
        return placed

    async def process_alert(
        self,
        batch: Batch,
        source: Source,
        alert: NormalizedAlert,
        now: datetime,
        intake_key: str,
        existing: dict[str, Any] | None,
        placed: tuple[int | None, int | None, str],
    ) -> Decision | None:
        """Correlate, apply and record one placed alert (device name already normalized)."""
        alert_key = f"{source.name}:{alert.fingerprint}"
        customer_id, device_id, how = placed
        ctx = AlertContext(
            source=source.name,
            alert_key=alert_key,
            alert=alert,
            customer_id=customer_id,
            customer_name="",
            tier_floor=None,
            device_id=device_id,
            now=now,
            intake_key=intake_key,
            existing=existing,
            storm_min_priority=self.runtime.settings.storm_min_priority,
        )
        settings = self.runtime.correlation
        flap_s = settings.flap_window.total_seconds()
        if customer_id is None:
            effects.record(batch, ctx, None, None, flap_s)
            log.info("rmm_alert_unmapped", alert_key=alert_key, hint=alert.customer_hint)
            return None
        state = await load_state(
            batch,
            alert_key=alert_key,
            existing=existing,
            customer_id=customer_id,
            device_name=alert.device,
            now=now,
        )
        decision = decide(alert, state, now, settings)
        ctx.customer_name = await batch.directory.customer_name(customer_id)
        ctx.tier_floor = await batch.directory.tier_floor(customer_id)
        if decision.action == "create_storm_parent":
            ctx.storm_devices = storm_device_count(
                state, alert.device or alert.fingerprint, settings.storm_window, now
            )
        task_id = await effects.apply(batch, ctx, decision)
        effects.record(batch, ctx, decision, task_id, flap_s)
        log.debug(
            "rmm_alert_applied",
            alert_key=alert_key,
            action=decision.action,
            reason=decision.reason,
            task_id=task_id,
            customer_id=customer_id,
            mapped_by=how,
        )
        return decision
