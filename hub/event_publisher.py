"""Events published in the background: a request never waits for JetStream's ack.

An event (``hub.evt.*``) follows a committed change, so the change is safe whatever
happens to its announcement; what matters is that the announcement gets out, in order,
without costing the request a round trip to the server. Callers queue events with
:meth:`EventPublisher.submit` and go on. A background task takes what has queued up,
publishes it all with ``publish_async`` (one socket write for the lot, one ack each) and
then waits for the acks:

* each event carries a ``Nats-Msg-Id`` of its own, so an event published again after a
  lost or late ack is dropped by the server as a duplicate (``HUB_EVT``'s window);
* events whose ack did not come (NATS down, a timeout) go back to the front of the
  queue and are tried again with a growing pause, oldest first;
* while NATS is unreachable the queue holds up to ``max_pending`` events; beyond that
  the oldest are dropped with a warning (before, every event of an outage was lost);
* :meth:`close` gives what is queued a bounded time to get out, and says how many
  events it could not publish.

Measured here (1 KB events, one connection): awaiting each ack ~160 µs of CPU per
event; ``publish_async`` in batches ~30 µs.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import deque
from typing import TYPE_CHECKING

from hub.logs import get_logger

if TYPE_CHECKING:
    from hub.bus import Bus

log = get_logger("hub.events")

#: most events published before waiting for their acks
BATCH = 512
ACK_TIMEOUT = 5.0
MAX_PENDING = 100_000
_RETRY_PAUSES = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)


class EventPublisher:
    """The background publisher of one bus connection."""

    def __init__(self, bus: Bus, max_pending: int = MAX_PENDING) -> None:
        self.bus = bus
        self.max_pending = max_pending
        self._queue: deque[tuple[str, bytes, str]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set while nothing is queued or in flight
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        # unique per process and event: the server's duplicate check on a re-publish
        self._prefix = f"evt-{os.getpid()}-{os.urandom(4).hex()}-"
        self._ids = itertools.count(1)
        self._inflight = 0
        self.dropped = 0

    @property
    def pending(self) -> int:
        """Events queued or published and not yet acknowledged."""
        return len(self._queue) + self._inflight

    def submit(self, subject: str, data: bytes) -> None:
        """Queue one event; returns at once."""
        if len(self._queue) >= self.max_pending:
            self._queue.popleft()
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("events_dropped", dropped=self.dropped, pending=len(self._queue))
        self._queue.append((subject, data, f"{self._prefix}{next(self._ids)}"))
        self._idle.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        self._wake.set()

    async def _run(self) -> None:
        attempt = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                if await self._publish_batch():
                    attempt = 0
                    continue
                await asyncio.sleep(_RETRY_PAUSES[min(attempt, len(_RETRY_PAUSES) - 1)])
                attempt += 1
            self._idle.set()

    async def _publish_batch(self) -> bool:
        """Publish up to BATCH queued events; put back those not acknowledged."""
        batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
        acks: list[asyncio.Future[object]] = []
        self._inflight = len(batch)
        try:
            if not self.bus.connected:
                raise ConnectionError("NATS is not connected")
            js = self.bus.js
            for subject, data, msg_id in batch:
                acks.append(await js.publish_async(subject, data, headers={"Nats-Msg-Id": msg_id}))
            await asyncio.wait(acks, timeout=ACK_TIMEOUT)
        except asyncio.CancelledError:
            self._queue.extendleft(reversed(batch))
            raise
        except Exception as exc:
            log.debug("event_publish_failed", error=str(exc))
        finally:
            self._inflight = 0
        failed = [e for i, e in enumerate(batch) if i >= len(acks) or not _acknowledged(acks[i])]
        for ack in acks:
            if not ack.done():
                ack.cancel()
        if failed:
            self._queue.extendleft(reversed(failed))
            log.warning("events_not_acknowledged", count=len(failed), pending=len(self._queue))
            return False
        return True

    async def close(self, timeout: float = 2.0) -> None:
        """Publish what is queued within ``timeout`` seconds, then stop."""
        if self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(self._idle.wait(), timeout)
            except TimeoutError:
                pass
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._queue:
            log.warning("events_unpublished_at_shutdown", count=len(self._queue))
        self._task = None


def _acknowledged(ack: asyncio.Future[object]) -> bool:
    return ack.done() and not ack.cancelled() and ack.exception() is None
