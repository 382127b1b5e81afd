"""Shutdown finishes: consumers complete the batch in hand, a lost PG connection is dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hub.bus import Bus
from hub.db import engine as db
from hub.nats_server import EmbeddedNats
from tests.conftest import PG_URL


async def test_close_lets_a_busy_consumer_finish_its_batch(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    url = await server.start()
    bus = Bus(url)
    await bus.connect()
    started, finished = asyncio.Event(), []
    try:

        async def handler(msgs: list[Any]) -> None:
            started.set()
            await asyncio.sleep(0.5)  # mid-batch when close() is called
            for m in msgs:
                await m.ack()
                finished.append(m.data)

        await bus.consume("hub.in.test.shutdown", "shutdown-test", handler, batch=10)
        await bus.publish_durable("hub.in.test.shutdown", b"one", key="s1")
        await asyncio.wait_for(started.wait(), 10)
        await bus.close()
        assert finished == [b"one"]  # acked, not cancelled half way
    finally:
        if bus.nc is not None:
            await bus.close()
        await server.stop()


@pytest.mark.skipif(not PG_URL, reason="ATLAS_TEST_DATABASE_URL not set")
async def test_pool_with_a_connection_never_released_still_closes(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "POOL_CLOSE_SECONDS", 0.5)
    engine = db.make_engine(pg_database, Path("unused.sqlite3"))
    await db.start(engine)
    lost = await engine.pool.acquire()  # as a task cancelled mid-transaction leaves it
    await asyncio.wait_for(db.stop(engine), 10)  # without the bound: waits for ever
    assert engine.pool is None
    assert lost._con is None  # the proxy was detached: its connection is gone


async def test_close_while_the_server_is_gone_does_not_raise(tmp_path: Path) -> None:
    server = EmbeddedNats(tmp_path / "nats")
    url = await server.start()
    bus = Bus(url)
    await bus.connect()
    await bus.consume("hub.in.test.gone", "gone-test", lambda msgs: asyncio.sleep(0), batch=10)
    await server.stop()
    assert bus.nc is not None
    for _ in range(100):  # the client notices the lost socket and starts reconnecting
        if bus.nc.is_reconnecting or bus.nc.is_connecting:
            break
        await asyncio.sleep(0.05)
    assert bus.nc.is_reconnecting or bus.nc.is_connecting
    await asyncio.wait_for(bus.close(), 10)  # drain() refuses while reconnecting
    assert bus.nc is None
