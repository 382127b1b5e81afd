"""The NATS connection, JetStream streams and durable consumers.

Subjects (see DESIGN.md):

* ``hub.in.<kind>.<plugin>`` — inbound items (raw mail, alerts, portal requests), stream
  ``HUB_IN``; published with ``Nats-Msg-Id`` = the item's intake key so JetStream drops
  client retries inside its duplicate window; items accepted at the same moment may share
  one bus message (:meth:`Bus.publish_grouped`), which consumers receive unpacked;
* ``hub.evt.<entity>.<change>`` — events after a database commit, stream ``HUB_EVT``;
* ``hub.out.<kind>`` — outbound work such as ``hub.out.mail`` (see
  :class:`hub.contracts.OutboundMail`), stream ``HUB_OUT``;
* ``hub.dead.<original subject>`` — items a consumer gave up on, stream ``HUB_DEAD``.

Consumers are durable *pull* consumers: every hub process fetching from the same
durable shares its work (JetStream's equivalent of a queue group), and a message is
acknowledged only after the handler committed it, so a crash means redelivery.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import msgspec
import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoServersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    PersistMode,
    RetentionPolicy,
    StreamConfig,
)
from nats.js.errors import APIError, NotFoundError

from hub.bus_groups import GroupPublisher, unpack
from hub.errors import Unavailable
from hub.event_publisher import EventPublisher
from hub.logs import get_logger

#: how long close() lets consumers finish the batch in hand before cancelling them
CLOSE_GRACE_SECONDS = 3.0
log = get_logger("hub.bus")

DAY = 86_400.0

STREAMS = (
    StreamConfig(
        name="HUB_IN",
        subjects=["hub.in.>"],
        retention=RetentionPolicy.LIMITS,
        max_age=30 * DAY,
        duplicate_window=600.0,
    ),
    # events are derived from committed rows (the database is the record): written to disk
    # in the background rather than fsynced one by one before each ack (nats-server 2.12+)
    StreamConfig(
        name="HUB_EVT",
        subjects=["hub.evt.>"],
        max_age=7 * DAY,
        persist_mode=PersistMode.ASYNC,
    ),
    # outbound work (mail to send, webhooks to deliver), consumed by the plugin that owns it
    StreamConfig(name="HUB_OUT", subjects=["hub.out.>"], max_age=30 * DAY, duplicate_window=600.0),
    StreamConfig(name="HUB_DEAD", subjects=["hub.dead.>"], max_age=90 * DAY),
)

BatchHandler = Callable[[Sequence[Msg]], Awaitable[None]]


class Bus:
    """One process's connection to NATS and JetStream."""

    def __init__(self, url: str, name: str = "atlas-hub") -> None:
        self.url = url
        self.name = name
        self.nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._tasks: list[asyncio.Task[None]] = []
        #: consumer loops inside their handler (close() lets them finish the batch)
        self._busy: set[asyncio.Task[Any]] = set()
        self._subs: list[Any] = []
        self._stopping = asyncio.Event()
        self.events = EventPublisher(self)
        self._groups: dict[str, GroupPublisher] = {}

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise Unavailable("not connected to NATS")
        return self._js

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    @property
    def max_payload(self) -> int | None:
        """The largest message the connected server takes (None while not connected)."""
        return self.nc.max_payload if self.connected and self.nc is not None else None

    async def connect(self, timeout: float = 10.0) -> None:
        async def _on_disconnect() -> None:
            log.warning("nats_disconnected", url=self.url)

        async def _on_reconnect() -> None:
            log.info("nats_reconnected", url=self.url)

        async def _on_error(exc: Exception) -> None:
            log.warning("nats_error", error=str(exc))

        try:
            self.nc = await nats.connect(
                self.url,
                name=self.name,
                connect_timeout=timeout,
                reconnect_time_wait=0.5,
                max_reconnect_attempts=-1,
                allow_reconnect=True,
                disconnected_cb=_on_disconnect,
                reconnected_cb=_on_reconnect,
                error_cb=_on_error,
            )
        except (NoServersError, OSError, TimeoutError) as exc:
            raise Unavailable(f"cannot connect to NATS at {self.url}: {exc}") from exc
        self._js = self.nc.jetstream(timeout=5.0)
        await self.ensure_streams()

    async def ensure_streams(self) -> None:
        for config in STREAMS:
            try:
                info = await self.js.stream_info(config.name)
            except NotFoundError:
                await self._add_stream(config)
                continue
            # a stream's persist mode is fixed at creation: keep the one it has
            await self.js.update_stream(replace(config, persist_mode=info.config.persist_mode))

    async def _add_stream(self, config: StreamConfig) -> None:
        try:
            await self.js.add_stream(config)
        except APIError:
            if config.persist_mode is None:
                raise
            # a server before 2.12 knows no persist modes: the stream syncs as configured
            log.warning("stream_persist_mode_unsupported", stream=config.name)
            await self.js.add_stream(replace(config, persist_mode=None))

    async def publish_durable(
        self,
        subject: str,
        payload: bytes,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> int:
        """Publish into JetStream and wait for its acknowledgement (the stream sequence).

        Raises :class:`Unavailable` when JetStream did not confirm: the caller must not
        tell its sender the item was accepted.
        """
        hdrs = dict(headers or {})
        if key:
            hdrs["Nats-Msg-Id"] = key[:900]
        if not self.connected:
            raise Unavailable("NATS is not connected")
        try:
            ack = await self.js.publish(subject, payload, timeout=timeout, headers=hdrs or None)
        except (NatsTimeout, TimeoutError, ConnectionClosedError, OSError) as exc:
            raise Unavailable(f"JetStream did not acknowledge {subject}: {exc}") from exc
        except Exception as exc:  # nats raises several unrelated types when down
            raise Unavailable(f"JetStream did not acknowledge {subject}: {exc}") from exc
        return int(ack.seq)

    async def publish_grouped(
        self,
        subject: str,
        payload: bytes,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        """:meth:`publish_durable`, sharing one JetStream write with the other items of
        ``subject`` that arrive while a write is in flight (see :mod:`hub.bus_groups`).

        For intake that is accepted under load (mail, webhooks): with JetStream fsyncing
        before it acknowledges, grouping turns a flush per item into a flush per group.
        Consumers get the items one by one as usual.
        """
        group = self._groups.get(subject)
        if group is None:
            group = self._groups[subject] = GroupPublisher(self, subject)
        return await group.publish(payload, key, headers or {})

    async def publish_event(self, subject: str, event: Any) -> None:
        """Queue an event (a msgspec Struct, dict or bytes) for publishing; returns at once.

        Events follow a committed change: the change is safe, so the caller must not wait
        for (or fail on) the bus. :class:`hub.event_publisher.EventPublisher` publishes
        in the background, retries what was not acknowledged, and keeps the order.
        """
        data = event if isinstance(event, bytes) else msgspec.json.encode(event)
        self.events.submit(subject, data)

    async def consume(
        self,
        subject: str,
        durable: str,
        handler: BatchHandler,
        *,
        batch: int = 100,
        ack_wait: float = 60.0,
        max_deliver: int = 10,
    ) -> None:
        """Start a background loop feeding batches of ``subject`` to ``handler``.

        ``handler`` must ack (or term) every message it processed; messages it did not
        ack are redelivered after ``ack_wait``.
        """
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait,
            max_deliver=max_deliver,
            filter_subject=subject,
            max_ack_pending=max(1000, batch * 4),
        )
        sub = await self.js.pull_subscribe(subject, durable=durable, config=config)
        self._subs.append(sub)
        self._tasks.append(asyncio.create_task(self._pull_loop(sub, durable, handler, batch)))

    async def _pull_loop(
        self,
        sub: JetStreamContext.PullSubscription,
        durable: str,
        handler: BatchHandler,
        batch: int,
    ) -> None:
        bound = log.bind(consumer=durable)
        while not self._stopping.is_set():
            try:
                msgs = await sub.fetch(batch, timeout=0.5)
            except (NatsTimeout, TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping.is_set():
                    return
                bound.warning("fetch_failed", error=str(exc))
                await asyncio.sleep(0.5)
                continue
            me = asyncio.current_task()
            assert me is not None  # this loop runs as a task
            self._busy.add(me)
            try:
                await handler(unpack(msgs))
            except asyncio.CancelledError:
                raise
            except Exception:
                # The handler is responsible for per-message failures; a batch-level
                # failure leaves the messages unacked, so they are redelivered.
                bound.exception("batch_handler_failed", count=len(msgs))
                await asyncio.sleep(1.0)
            finally:
                self._busy.discard(me)

    async def dead_letter(self, msg: Msg, reason: str) -> None:
        """Keep an item a consumer gave up on, then terminate its delivery."""
        headers = dict(msg.headers or {})
        headers["Atlas-Dead-Reason"] = reason[:500]
        headers.pop("Nats-Msg-Id", None)
        await self.publish_durable(f"hub.dead.{msg.subject}", msg.data, headers=headers)
        await msg.term()

    async def close(self) -> None:
        # consumers finish the batch in hand (each loop checks the flag between batches);
        # one still busy after the grace period is cancelled (its messages are unacked,
        # so they are redelivered on the next start)
        self._stopping.set()
        await self.events.close()
        busy = [t for t in self._tasks if t in self._busy]  # idle ones only wait in fetch
        if busy:
            await asyncio.wait(busy, timeout=CLOSE_GRACE_SECONDS)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks.clear()
        # A pull subscription with a fetch in flight makes drain() wait for its timeout:
        # unsubscribe first (the durable consumer stays on the server for the next start).
        for sub in self._subs:
            try:
                await sub.unsubscribe()
            except Exception:
                pass
        self._subs.clear()
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), 2.0)
            except Exception:
                # not drainable (reconnecting to a server that is gone): close what is left;
                # the socket may already be lost, which is no reason to fail a shutdown
                with contextlib.suppress(Exception):
                    await self.nc.close()
        self.nc = None
        self._js = None
