"""Engine selection (SQLite by default, PostgreSQL at scale), binding and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

os.environ.setdefault("PICCOLO_CONF", "hub.db.piccolo_conf")

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from hub.db.sqlite_inline import InlineSQLiteEngine
from hub.errors import Unavailable
from hub.logs import get_logger

_current: Engine | None = None

log = get_logger("hub.db")
#: how long stop() waits for PostgreSQL connections to come back before dropping them
POOL_CLOSE_SECONDS = 5.0


def make_engine(database_url: str | None, sqlite_path: Path) -> Engine:
    """An engine for ``database_url`` (``postgresql://`` or ``sqlite:///path``), else SQLite."""
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        parsed = urlparse(database_url)
        config = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 5432,
            "user": parsed.username or "postgres",
            "password": parsed.password or None,
            "database": (parsed.path or "/postgres").lstrip("/") or "postgres",
        }
        return PostgresEngine(config={k: v for k, v in config.items() if v is not None})
    path = Path(database_url[len("sqlite:///") :]) if database_url else sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    _enable_wal(path)
    # timeout: wait for a competing writer (another process) instead of failing at once
    return InlineSQLiteEngine(path=str(path), timeout=30)


def _enable_wal(path: Path) -> None:
    # piccolo does not switch SQLite to WAL; it is a property of the file, set once.
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
    finally:
        con.close()


def all_tables() -> list[type[Table]]:
    from piccolo.apps.migrations.tables import Migration
    from piccolo.conf.apps import Finder

    # piccolo's own bookkeeping table must follow the engine too, or a process that
    # switches engines would read migration state from the previous database
    tables: list[type[Table]] = [Migration]
    for app in Finder().get_app_configs():
        tables.extend(app.table_classes)
    return tables


def use_engine(engine: Engine) -> None:
    """Make ``engine`` the engine of every table and of piccolo's migrations."""
    global _current
    from hub.db import piccolo_conf

    piccolo_conf.DB = engine
    for table in all_tables():
        table._meta.db = engine
    _current = engine


def current_engine() -> Engine:
    if _current is None:
        raise Unavailable("database engine not configured")
    return _current


def is_sqlite() -> bool:
    return isinstance(current_engine(), SQLiteEngine)


def write_transaction():  # type: ignore[no-untyped-def]
    """A transaction for read-then-write work.

    SQLite needs ``BEGIN IMMEDIATE`` or two concurrent read-then-write transactions
    fail with "database is locked" instead of waiting.
    """
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=20)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        # asyncpg's close() waits for every connection to come back: one lost by a task
        # cancelled at the wrong moment would hold the shutdown for ever
        pool = engine.pool
        try:
            await asyncio.wait_for(engine.close_connection_pool(), POOL_CLOSE_SECONDS)
        except TimeoutError:
            log.warning("database_pool_terminated", after_seconds=POOL_CLOSE_SECONDS)
            if pool is not None:
                pool.terminate()
            engine.pool = None
    elif isinstance(engine, InlineSQLiteEngine):
        await engine.close()


async def migrate(verbose: bool = False) -> None:
    """Run every pending migration of every app (idempotent)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    # piccolo prints progress to stdout; keep it for errors unless asked for
    redirect = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(out)
    with redirect:
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{out.getvalue()}")


async def ping() -> bool:
    try:
        await current_engine().run_ddl("SELECT 1")
    except Exception:
        return False
    return True


@contextlib.asynccontextmanager
async def database(database_url: str | None, sqlite_path: Path) -> AsyncIterator[Engine]:
    """Open, bind and migrate the database for the lifetime of the block."""
    engine = make_engine(database_url, sqlite_path)
    use_engine(engine)
    await start(engine)
    try:
        await migrate()
        yield engine
    finally:
        await stop(engine)
