"""A piccolo SQLite engine that runs each statement on the event loop's own thread.

piccolo's ``SQLiteEngine`` opens a new aiosqlite connection (and thread) for every query
outside a transaction. A pool of aiosqlite connections fixes the opening cost but keeps
the hop: every statement is handed to a thread, whose result comes back through the
loop's self-pipe, and both sides fight for the GIL (measured here, under 16 concurrent
task creations: each write held the write lock for the whole round trip, the event loop
half idle at ~500 creates/s).

A statement on a local SQLite file in WAL mode takes tens of microseconds, less than the
hop itself, so this engine runs it where it is issued:

* one **reader** connection for ``SELECT`` outside a transaction (autocommit, so every
  read sees the last commit; WAL lets it read while another process writes);
* one **writer** connection, behind an ``asyncio.Lock``, for every transaction and every
  write outside one. Coroutines of this process queue on the lock; a statement never
  spans an ``await``, so the two connections are never used by two coroutines at once.

Waiting for another *process* (a worker holding the write lock) must not block the loop:
the connections have ``busy_timeout = 0`` and a statement that meets ``SQLITE_BUSY`` is
retried after an ``asyncio.sleep`` with growing pauses, as SQLite's own busy handler
would sleep, until ``timeout`` seconds have passed. ``SQLITE_BUSY_SNAPSHOT`` (a deferred
transaction whose snapshot is stale) is raised at once, as SQLite raises it: retrying
cannot succeed. Use ``TransactionType.immediate`` for read-then-write transactions.

The price: a slow statement (a report over a large table) holds the event loop for its
duration. In a thread it held the GIL for most of that time anyway (rows are built in
Python), so little concurrency is lost.

Each connection is set up once: ``foreign_keys=ON``, ``synchronous=NORMAL`` (durable
with WAL: a power loss can lose the last commits but never corrupts).

**Checkpoints off the loop.** With ``synchronous=NORMAL`` a commit only appends to the
WAL; the fsyncs happen at checkpoints, which SQLite runs inside the commit that crosses
``wal_autocheckpoint`` pages (measured: a 6-17 ms stall every ~40 task inserts, the
mean commit 2x its median). Here a thread of the engine's own runs a ``PASSIVE``
checkpoint half a second after writes (SQLite releases the GIL meanwhile), and the
connections' auto-checkpoint is raised to a backstop of 10,000 pages.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from hub.db.busy import retry_busy
from hub.db.group_commit import GroupCommitter
from hub.logs import get_logger

T = TypeVar("T")
log = get_logger("hub.db")
#: statements SQLite refuses inside a transaction: run alone, never grouped
_OUTSIDE_TRANSACTIONS = re.compile(r"\s*(VACUUM|PRAGMA|BEGIN|COMMIT|END|ROLLBACK)\b", re.I)

#: seconds after a write before the background checkpoint; auto-checkpoint backstop pages
CHECKPOINT_DELAY = 0.5
AUTOCHECKPOINT_PAGES = 10_000


class Checkpointer:
    """A daemon thread that checkpoints the WAL shortly after writes (see module doc)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def written(self) -> None:
        """Note a write (cheap; starts the thread on first use)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        connection = self._connect()
        try:
            while self._wake.wait() and not self._stop.wait(CHECKPOINT_DELAY):
                self._wake.clear()  # writes from here on wake the next round
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # busy or gone: the next write wakes us again; auto is the backstop
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop the thread (a checkpoint under way finishes first)."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._thread = None
        self._wake.clear()


def _fetch(connection: sqlite3.Connection, query: str, args: list[Any]) -> list[dict[str, Any]]:
    cursor = connection.execute(query, args)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


class InlineConnection:
    """The transaction's connection, with the awaitable ``execute`` piccolo calls on it."""

    def __init__(self, raw: sqlite3.Connection, timeout: float) -> None:
        self.raw = raw
        self.timeout = timeout

    async def execute(self, sql: str, args: list[Any] | None = None) -> list[dict[str, Any]]:
        return await retry_busy(lambda: _fetch(self.raw, sql, args or []), self.timeout)

    async def close(self) -> None:
        """Connections live as long as the engine; a transaction ending keeps it open."""


class InlineTransaction(SQLiteTransaction):
    """A piccolo transaction on the writer connection, holding the in-process write lock."""

    engine: InlineSQLiteEngine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        await self.engine.write_lock.acquire()
        try:
            self.connection = self.engine.writer()
            await self.begin()
        except BaseException:
            self.engine.write_lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            self.engine.write_lock.release()
        return exception is None


class InlineSQLiteEngine(SQLiteEngine):
    """Drop-in for ``SQLiteEngine`` (same constructor; ``timeout`` bounds busy waits)."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self.timeout = float(self.connection_kwargs.get("timeout", 5.0))
        self.write_lock = asyncio.Lock()
        self._writer: InlineConnection | None = None
        self._reader: sqlite3.Connection | None = None
        self.checkpointer = Checkpointer(self._connect)
        self.group = GroupCommitter(self)

    def _connect(self) -> sqlite3.Connection:
        kwargs = dict(self.connection_kwargs)
        kwargs["timeout"] = 0  # busy waits are retried with asyncio.sleep (retry_busy)
        kwargs["check_same_thread"] = False  # used from one loop, never concurrently
        connection = sqlite3.connect(**kwargs)
        connection.row_factory = dict_factory
        connection.execute("PRAGMA foreign_keys = 1")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        return connection

    def writer(self) -> InlineConnection:
        """The writer connection (hold :attr:`write_lock` while using it)."""
        if self._writer is None:
            self._writer = InlineConnection(self._connect(), self.timeout)
        self.checkpointer.written()
        return self._writer

    def _read_connection(self) -> sqlite3.Connection:
        if self._reader is None:
            self._reader = self._connect()
        return self._reader

    async def run_on_writer(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(connection)`` on the writer, alone, holding the write lock, retried while
        busy. ``fn`` must leave no transaction open when it raises (see ``retry_busy``).
        """
        async with self.write_lock:
            raw = self.writer().raw
            return await retry_busy(lambda: fn(raw), self.timeout)

    async def write(self, unit: Callable[[sqlite3.Connection], T]) -> T:
        """``unit(connection)`` inside the next group transaction (see ``group_commit``):
        its statements commit with those of other writes of the moment, or roll back alone.
        """
        return await self.group.run(unit)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return InlineTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        args = args or []
        # piccolo tags only inserts with a query type; read-only statements start SELECT
        if query.lstrip()[:6].upper() == "SELECT":
            reader = self._read_connection()
            return await retry_busy(lambda: _fetch(reader, query, args), self.timeout)
        if _OUTSIDE_TRANSACTIONS.match(query):
            return await self.run_on_writer(lambda raw: _fetch(raw, query, args))
        return await self.write(lambda raw: _fetch(raw, query, args))

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        return await connection.execute(query, args or [])

    async def close(self) -> None:
        """Close both connections (the engine can be used again afterwards)."""
        self.checkpointer.stop()
        if self.group.commits:
            log.debug("sqlite_group_commits", commits=self.group.commits, units=self.group.units)
        for connection in (self._reader, self._writer.raw if self._writer else None):
            if connection is not None:
                try:
                    connection.close()
                except sqlite3.Error:
                    pass
        self._reader = None
        self._writer = None
