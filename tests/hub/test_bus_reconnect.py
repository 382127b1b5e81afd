"""The hub keeps working across a NATS restart (external server, same port and store)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import nats

from hub.nats_server import EmbeddedNats
from hub.runtime import Hub
from tests.conftest import make_settings


async def test_bus_reconnects_after_nats_restart(tmp_path: Path, database_url: str | None) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    url = await server.start()
    hub = Hub(make_settings(tmp_path / "home", database_url, nats_url=url))
    await hub.start()
    try:
        bus = hub.bus_required
        assert await bus.publish_durable("hub.in.test.a", b"1", key="k1") == 1
        await server.stop()
        for _ in range(50):
            if not bus.connected:
                break
            await asyncio.sleep(0.05)
        assert not bus.connected
        assert (await hub.ready())["nats"] is False  # /readyz turns 503 meanwhile
        await server.start()  # same port, same JetStream store
        for _ in range(100):
            if bus.connected:
                break
            await asyncio.sleep(0.1)
        assert bus.connected
        assert await bus.publish_durable("hub.in.test.a", b"2", key="k2") == 2
        assert (await hub.ready())["nats"] is True
        # the stream kept the first message across the restart
        nc = await nats.connect(url)
        info = await nc.jetstream().stream_info("HUB_IN")
        await nc.close()
        assert info.state.messages == 2
    finally:
        await hub.stop()
        await server.stop()


async def test_intake_consumer_resumes_after_restart(
    tmp_path: Path, database_url: str | None
) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    url = await server.start()
    hub = Hub(make_settings(tmp_path / "home", database_url, nats_url=url))
    await hub.start()
    seen: list[bytes] = []

    async def handler(msgs: list) -> None:
        for m in msgs:
            seen.append(m.data)
            await m.ack()

    try:
        bus = hub.bus_required
        await bus.consume("hub.in.resume.>", "resume-test", handler)
        await bus.publish_durable("hub.in.resume.x", msgspec.json.encode({"n": 1}))
        for _ in range(50):
            if seen:
                break
            await asyncio.sleep(0.05)
        await server.stop()
        await asyncio.sleep(0.3)
        await server.start()
        for _ in range(100):
            if bus.connected:
                break
            await asyncio.sleep(0.1)
        await bus.publish_durable("hub.in.resume.x", msgspec.json.encode({"n": 2}))
        for _ in range(100):
            if len(seen) >= 2:
                break
            await asyncio.sleep(0.1)
        assert [msgspec.json.decode(d)["n"] for d in seen] == [1, 2]
    finally:
        await hub.stop()
        await server.stop()
