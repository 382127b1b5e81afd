"""Group commit: the small writes of one moment share one SQLite transaction.

A commit in WAL mode appends every page the transaction changed to the log: for a task
that is a page of the table and one of each index, ~15 ``pwrite`` calls, and on these
machines a system call is not cheap. Sixteen technicians creating tasks at once change
mostly the *same* pages (the right edge of each index), so one transaction for all
sixteen writes each page once.

A *unit* is a function of the writer connection that runs statements and returns a
value; it must not begin or end a transaction. :meth:`GroupCommitter.run` queues the
unit and waits; the first unit of a moment schedules a flush for the next turn of the
event loop, so every unit queued meanwhile (requests parsed in the same turn, units
queued while a piccolo transaction held the write lock, or while another process held
SQLite's) joins it. The flush, holding the engine's write lock:

1. ``BEGIN IMMEDIATE``, retried while another process holds the database;
2. each unit inside ``SAVEPOINT unit`` … ``RELEASE``: a unit that raises is rolled back
   to its savepoint and gets its exception; the others are not affected;
3. ``COMMIT``; only then is each waiting caller given its result. A failed ``COMMIT``
   fails every unit of the batch: none of them was committed.

Durability is unchanged: a caller hears "done" only after the commit that holds its
rows, exactly as with a transaction of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from hub.db.busy import retry_busy

if TYPE_CHECKING:
    from hub.db.sqlite_inline import InlineSQLiteEngine

T = TypeVar("T")
Unit = Callable[[sqlite3.Connection], Any]
#: most units in one transaction (a bound on how long one flush holds the loop)
MAX_BATCH = 256


class GroupCommitter:
    """Batches units of work for one engine's writer connection."""

    def __init__(self, engine: InlineSQLiteEngine) -> None:
        self.engine = engine
        self._pending: list[tuple[Unit, asyncio.Future[Any]]] = []
        self._flushing: asyncio.Task[None] | None = None
        #: transactions committed and units run so far (units / commits = batching)
        self.commits = 0
        self.units = 0

    async def run(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``unit`` in the next group transaction; return its result once committed."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((unit, future))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_all())
        result: T = await future
        return result

    async def _flush_all(self) -> None:
        while self._pending:
            await self._flush()

    def _take(self) -> list[tuple[Unit, asyncio.Future[Any]]]:
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        return batch

    async def _flush(self) -> None:
        engine = self.engine
        batch: list[tuple[Unit, asyncio.Future[Any]]] | None = None
        async with engine.write_lock:
            raw = engine.writer().raw
            try:
                await retry_busy(lambda: raw.execute("BEGIN IMMEDIATE"), engine.timeout)
                # units that arrived while we waited for the lock join this transaction
                batch = self._take()
                outcomes = [(future, *_run_unit(raw, unit)) for unit, future in batch]
                raw.execute("COMMIT")
            except BaseException as exc:
                if raw.in_transaction:
                    raw.execute("ROLLBACK")
                _fail(batch if batch is not None else self._take(), exc)
                if not isinstance(exc, Exception):
                    raise
                return
        assert batch is not None  # taken once BEGIN succeeded
        self.commits += 1
        self.units += len(batch)
        for future, error, value in outcomes:
            if future.done():  # the caller was cancelled; its rows are committed anyway
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)


def _run_unit(raw: sqlite3.Connection, unit: Unit) -> tuple[BaseException | None, Any]:
    raw.execute("SAVEPOINT unit")
    try:
        value = unit(raw)
    except Exception as exc:
        raw.execute("ROLLBACK TO unit")
        raw.execute("RELEASE unit")
        return exc, None
    raw.execute("RELEASE unit")
    return None, value


def _fail(batch: list[tuple[Unit, asyncio.Future[Any]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
