"""Grouped publishing: items of one moment share a JetStream write; consumers get them
one by one, and a shared message is acked once every item in it is settled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest

from hub.bus import Bus
from hub.bus_groups import H_BATCH, GroupPublisher, PartMsg, unpack
from hub.nats_server import EmbeddedNats


@pytest.fixture
async def bus(tmp_path: Path) -> AsyncIterator[Bus]:
    server = EmbeddedNats(tmp_path / "nats")
    connection = Bus(await server.start())
    await connection.connect()
    yield connection
    await connection.close()
    await server.stop()


async def _fetch(bus: Bus, subject: str, durable: str) -> list[Any]:
    sub = await bus.js.pull_subscribe(subject, durable=durable)
    try:
        return await sub.fetch(100, timeout=2)
    except nats.errors.TimeoutError:
        return []


async def test_items_arriving_during_a_publish_go_out_together(bus: Bus) -> None:
    group = GroupPublisher(bus, "hub.in.test.group")
    first = asyncio.create_task(group.publish(b"item 0", "k0", {"X-N": "0"}))
    for _ in range(50):  # until its write is on the way to the server
        if group._worker is not None and not group._waiting:
            break
        await asyncio.sleep(0)
    rest = await asyncio.gather(
        *[group.publish(f"item {i}".encode(), f"k{i}", {"X-N": str(i)}) for i in range(1, 10)]
    )
    seqs = [await first, *rest]
    # the first went alone at once; the nine that came meanwhile share the next write
    assert (group.messages, group.items) == (2, 10)
    assert seqs[0] == 1 and set(seqs[1:]) == {2}
    msgs = await _fetch(bus, "hub.in.test.group", "group-test")
    assert len(msgs) == 2
    assert H_BATCH not in msgs[0].headers and msgs[0].data == b"item 0"
    assert msgs[0].headers["Nats-Msg-Id"] == "k0"
    assert msgs[1].headers[H_BATCH] == "9"
    parts = unpack(msgs)
    assert [p.data for p in parts] == [f"item {i}".encode() for i in range(10)]
    assert [p.headers["X-N"] for p in parts] == [str(i) for i in range(10)]
    assert [p.headers["Nats-Msg-Id"] for p in parts] == [f"k{i}" for i in range(10)]
    assert all(p.subject == "hub.in.test.group" for p in parts)


async def test_an_idle_publisher_sends_each_item_alone(bus: Bus) -> None:
    for i in range(3):
        assert await bus.publish_grouped("hub.in.test.idle", b"one", key=f"i{i}") == i + 1
    msgs = await _fetch(bus, "hub.in.test.idle", "idle-test")
    assert [(m.data, H_BATCH in (m.headers or {})) for m in msgs] == [(b"one", False)] * 3


async def test_a_shared_message_is_acked_once_all_its_items_are_settled(bus: Bus) -> None:
    await asyncio.gather(
        *[bus.publish_grouped("hub.in.test.acks", b"x", key=f"a{i}") for i in range(4)]
    )
    msgs = await _fetch(bus, "hub.in.test.acks", "ack-test")
    assert len(msgs) == 1 and msgs[0].headers[H_BATCH] == "4"
    parts = unpack(msgs)
    assert all(isinstance(p, PartMsg) for p in parts)
    await parts[0].ack()
    await parts[1].term()  # given up on (dead-lettered by the consumer): no retry for it
    await parts[1].ack()  # settling twice counts once
    await parts[2].nak(0.1)  # one item asks for a retry: the whole message comes again
    assert await _fetch(bus, "hub.in.test.acks", "ack-test") == []  # one part still open
    await parts[3].ack()
    again = await _fetch(bus, "hub.in.test.acks", "ack-test")
    assert [m.data for m in again] == [msgs[0].data]
    parts = unpack(again)
    assert parts[0].metadata.num_delivered == 2
    for part in parts:
        await part.ack()
    assert await _fetch(bus, "hub.in.test.acks", "ack-test") == []


async def test_an_envelope_that_does_not_decode_is_passed_on_as_it_is(bus: Bus) -> None:
    await bus.publish_durable("hub.in.test.bad", b"\xc1 not msgpack", headers={H_BATCH: "3"})
    msgs = await _fetch(bus, "hub.in.test.bad", "bad-test")
    assert unpack(msgs) == msgs  # the consumer sees the bytes and deals with them
