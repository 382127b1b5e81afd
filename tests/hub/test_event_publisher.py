"""Events go out in the background, in order, and survive a NATS outage."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest

from hub.bus import Bus
from hub.nats_server import EmbeddedNats


async def _stored(url: str, subject: str) -> list[bytes]:
    """Every message of ``subject`` in HUB_EVT, oldest first (an ephemeral consumer)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(subject, durable=None, stream="HUB_EVT")
        out: list[bytes] = []
        while True:
            try:
                msgs = await sub.fetch(500, timeout=0.5)
            except (nats.errors.TimeoutError, TimeoutError):
                return out
            out.extend(m.data for m in msgs)
    finally:
        await nc.close()


async def _until(predicate, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


@pytest.fixture
async def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    nats_server = EmbeddedNats(tmp_path / "nats")
    await nats_server.start()
    yield nats_server
    await nats_server.stop()


async def test_submit_returns_at_once_and_events_arrive_in_order(server: EmbeddedNats) -> None:
    bus = Bus(server.url)
    await bus.connect()
    try:
        for i in range(300):
            await bus.publish_event("hub.evt.test.order", {"n": i})
        assert bus.events.pending > 0  # nothing was awaited: queued, not yet acknowledged
        await _until(lambda: bus.events.pending == 0)
        stored = await _stored(server.url, "hub.evt.test.order")
        assert stored == [f'{{"n":{i}}}'.encode() for i in range(300)]
    finally:
        await bus.close()


async def test_events_queued_during_an_outage_are_published_once_after_it(
    server: EmbeddedNats,
) -> None:
    bus = Bus(server.url)
    await bus.connect()
    try:
        await bus.publish_event("hub.evt.test.outage", {"n": 0})
        await _until(lambda: bus.events.pending == 0)
        await server.stop()
        await _until(lambda: not bus.connected)
        for i in range(1, 51):
            await bus.publish_event("hub.evt.test.outage", {"n": i})
        await asyncio.sleep(0.5)  # tried and failed meanwhile; still queued
        assert bus.events.pending == 50
        await server.start()  # same port, same store
        await _until(lambda: bus.events.pending == 0, seconds=20)
        stored = await _stored(server.url, "hub.evt.test.outage")
        assert stored == [f'{{"n":{i}}}'.encode() for i in range(51)]  # none lost, none twice
    finally:
        await bus.close()


async def test_close_publishes_what_is_queued(server: EmbeddedNats) -> None:
    bus = Bus(server.url)
    await bus.connect()
    for i in range(100):
        await bus.publish_event("hub.evt.test.close", {"n": i})
    await bus.close()
    assert len(await _stored(server.url, "hub.evt.test.close")) == 100


async def test_a_full_queue_drops_the_oldest(server: EmbeddedNats) -> None:
    bus = Bus(server.url)
    await bus.connect()
    bus.events.max_pending = 10
    await server.stop()
    await _until(lambda: not bus.connected)
    try:
        for i in range(25):
            await bus.publish_event("hub.evt.test.full", {"n": i})
        assert bus.events.dropped == 15
        assert next(data for _, data, _ in bus.events._queue) == b'{"n":15}'
    finally:
        await server.start()
        await bus.close()
