"""Concurrent mail shares one JetStream write; a shared bus message is acked once for all."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
import pytest
from inbox_helpers import mail, rows, wait_for

from hub.bus import Bus
from hub.nats_server import EmbeddedNats
from hub.runtime import Hub
from plugins.inbox.batches import H_BATCH, Delivery, GroupPublisher, envelope_items
from plugins.inbox.receiver import H_KEY, SUBJECT


@pytest.fixture
async def bus(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = EmbeddedNats(tmp_path / "nats")
    connection = Bus(await server.start())
    await connection.connect()
    yield connection
    await connection.close()
    await server.stop()


async def _fetch_all(bus: Bus, subject: str, durable: str) -> list[nats.aio.msg.Msg]:
    sub = await bus.js.pull_subscribe(subject, durable=durable)
    try:
        return await sub.fetch(100, timeout=2)
    except nats.errors.TimeoutError:
        return []


async def test_mail_arriving_during_a_publish_goes_out_together(bus: Bus) -> None:
    publisher = GroupPublisher(bus, "hub.in.email.test")
    raws = [mail(f"p{i}@acme.example", f"mail {i}", "body").as_bytes() for i in range(10)]
    first = asyncio.create_task(publisher.publish(raws[0], {H_KEY: "k0"}, "k0"))
    for _ in range(50):  # until its write is on the way to the server
        if publisher._worker is not None and not publisher._waiting:
            break
        await asyncio.sleep(0)
    rest = await asyncio.gather(
        *[publisher.publish(raw, {H_KEY: f"k{i}"}, f"k{i}") for i, raw in enumerate(raws) if i]
    )
    seqs = [await first, *rest]
    # the first went alone at once; the nine that came meanwhile share the next write
    assert (publisher.messages, publisher.mails) == (2, 10)
    assert seqs[0] == 1 and set(seqs[1:]) == {2}
    msgs = await _fetch_all(bus, "hub.in.email.test", "batch-test")
    assert len(msgs) == 2
    assert H_BATCH not in (msgs[0].headers or {}) and msgs[0].data == raws[0]
    assert msgs[1].headers[H_BATCH] == "9"
    items = envelope_items(msgs[1])
    assert [i.raw for i in items] == raws[1:]
    assert [i.headers[H_KEY] for i in items] == [f"k{i}" for i in range(1, 10)]


async def test_an_idle_receiver_publishes_each_mail_alone(bus: Bus) -> None:
    publisher = GroupPublisher(bus, "hub.in.email.idle")
    for i in range(3):
        assert await publisher.publish(b"mail", {}, f"i{i}") == i + 1
    msgs = await _fetch_all(bus, "hub.in.email.idle", "idle-test")
    assert [(m.data, H_BATCH in (m.headers or {})) for m in msgs] == [(b"mail", False)] * 3


async def test_a_shared_message_is_acked_once_all_its_mails_are_settled(bus: Bus) -> None:
    publisher = GroupPublisher(bus, "hub.in.email.acks")
    await asyncio.gather(*[publisher.publish(b"x", {}, f"a{i}") for i in range(4)])
    msgs = await _fetch_all(bus, "hub.in.email.acks", "ack-test")
    envelope = next(m for m in msgs if (m.headers or {}).get(H_BATCH))
    parts = len(envelope_items(envelope))
    delivery = Delivery(envelope, parts)
    for _ in range(parts - 1):
        await delivery.ack()
    await delivery.nak(0.1)  # one mail asks for a retry: the whole message comes again
    again = await _fetch_all(bus, "hub.in.email.acks", "ack-test")
    assert [m.data for m in again] == [envelope.data]
    assert Delivery(again[0], parts).attempts == 2
    delivery = Delivery(again[0], parts)
    for _ in range(parts):
        await delivery.ack()
    assert await _fetch_all(bus, "hub.in.email.acks", "ack-test") == []


async def test_grouped_mail_is_recorded_once_each_and_a_bad_envelope_is_kept(hub: Hub) -> None:
    bus = hub.bus_required
    publisher = GroupPublisher(bus, SUBJECT)
    raws = [mail(f"g{i}@acme.example", f"grouped {i}", "body").as_bytes() for i in range(12)]
    await asyncio.gather(*[publisher.publish(r, {}, f"g{i}") for i, r in enumerate(raws)])
    assert publisher.messages < publisher.mails
    # the same envelope delivered again (a retry of the whole message) adds nothing
    await asyncio.gather(*[publisher.publish(r, {}, f"g{i}") for i, r in enumerate(raws)])
    # an envelope that does not decode is kept as one unknown item, never dropped
    await bus.publish_durable(SUBJECT, b"\xc1 not msgpack", headers={H_BATCH: "3"})
    found = await wait_for(
        lambda: _when(rows(), lambda r: len(r) >= 13), what="grouped mail and the bad envelope"
    )
    await asyncio.sleep(0.5)
    found = await rows()
    subjects = sorted(r["subject"] for r in found if r["subject"])
    assert subjects == sorted(f"grouped {i}" for i in range(12))
    assert [r["status"] for r in found if not r["subject"]] == ["quarantined"]


async def _when(fetch, ok):  # type: ignore[no-untyped-def]
    found = await fetch
    return found if ok(found) else []
