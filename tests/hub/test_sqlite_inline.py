"""The inline SQLite engine: busy waits that do not block the loop, checkpoints off it."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.db import engine as db
from hub.db.busy import is_busy
from hub.db.one_trip import Row, insert_family
from hub.db.sqlite_inline import InlineSQLiteEngine
from hub.db.tables import Technician


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[InlineSQLiteEngine]:
    async with db.database(None, tmp_path / "atlas.sqlite3") as engine:
        assert isinstance(engine, InlineSQLiteEngine)
        yield engine


def _hold_write_lock(path: str, seconds: float, held: threading.Event) -> None:
    """Another connection (as another process would) holding the write lock a while."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


async def test_a_busy_database_is_waited_for_without_blocking_the_loop(
    engine: InlineSQLiteEngine, tmp_path: Path
) -> None:
    held = threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock, args=(str(tmp_path / "atlas.sqlite3"), 0.6, held)
    )
    holder.start()
    held.wait(5)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(ticker())
    started = time.monotonic()
    new_id = await insert_family(Row(Technician, {"name": "Ann", "email": "ann@msp.example"}))
    waited = time.monotonic() - started
    # plain reads do not wait for a writer in WAL mode
    assert await Technician.exists().where(Technician.id == new_id)
    beat.cancel()
    holder.join()
    assert waited >= 0.5  # it did wait for the other writer...
    assert ticks >= 20  # ...while the loop kept running (blocked, it would tick once)


async def test_busy_beyond_the_timeout_raises_the_sqlite_error(
    engine: InlineSQLiteEngine, tmp_path: Path
) -> None:
    engine.timeout = 0.2
    held = threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock, args=(str(tmp_path / "atlas.sqlite3"), 1.0, held)
    )
    holder.start()
    held.wait(5)
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            await insert_family(Row(Technician, {"name": "Bo", "email": "bo@msp.example"}))
        assert is_busy(caught.value)
    finally:
        holder.join()
    assert await Technician.count() == 0


async def test_writes_reach_the_database_file_through_background_checkpoints(
    engine: InlineSQLiteEngine, tmp_path: Path
) -> None:
    for i in range(20):
        await insert_family(Row(Technician, {"name": "T", "email": f"t{i}@msp.example"}))
    copy = tmp_path / "copy.sqlite3"

    def rows_in_main_file() -> int:
        # the main file alone (no -wal beside the copy) holds only checkpointed pages
        shutil.copy(tmp_path / "atlas.sqlite3", copy)
        con = sqlite3.connect(copy)
        try:
            return int(con.execute("SELECT count(*) FROM technician").fetchone()[0])
        except sqlite3.OperationalError:  # not even the schema checkpointed yet
            return 0
        finally:
            con.close()

    for _ in range(100):
        if rows_in_main_file() == 20:
            break
        await asyncio.sleep(0.1)
    assert rows_in_main_file() == 20
    started = time.monotonic()
    await engine.close()
    assert time.monotonic() - started < 1  # stopping does not wait out the delay
    assert engine.checkpointer._thread is None


async def test_concurrent_writes_share_a_commit_and_fail_alone(
    engine: InlineSQLiteEngine,
) -> None:
    await insert_family(Row(Technician, {"name": "Old", "email": "taken@msp.example"}))
    before = engine.group.commits
    emails = [f"t{i}@msp.example" for i in range(40)] + ["taken@msp.example"]
    results = await asyncio.gather(
        *[insert_family(Row(Technician, {"name": "T", "email": e})) for e in emails],
        return_exceptions=True,
    )
    assert isinstance(results[-1], sqlite3.IntegrityError)  # the duplicate, alone
    assert all(isinstance(r, int) for r in results[:-1])
    assert len(set(results[:-1])) == 40
    assert engine.group.commits - before < 5  # 41 writes, a handful of transactions
    rows = await Technician.select(Technician.email)
    assert sorted(r["email"] for r in rows) == sorted(emails)  # 40 new + the old one


async def test_a_cancelled_writer_still_commits_and_others_are_unaffected(
    engine: InlineSQLiteEngine,
) -> None:
    first = asyncio.create_task(
        insert_family(Row(Technician, {"name": "A", "email": "a@msp.example"}))
    )
    second = asyncio.create_task(
        insert_family(Row(Technician, {"name": "B", "email": "b@msp.example"}))
    )
    await asyncio.sleep(0)  # both queued
    first.cancel()
    assert await second > 0
    with pytest.raises(asyncio.CancelledError):
        await first
    # a caller that stops waiting does not undo its write (it was queued to commit)
    assert await Technician.count() == 2
