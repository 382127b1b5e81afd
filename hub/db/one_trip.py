"""Rows written in one trip to the SQLite writer: a row and its children, or a batch.

A piccolo transaction on SQLite is ``BEGIN IMMEDIATE``, one statement per insert and
``COMMIT``: each a hop to the writer's thread and back through a busy event loop, all
while holding the one write lock. Under concurrent task creation the lock, not the CPU,
was the limit (measured: the event loop half idle at 405 creates/s). Here the whole
transaction runs in the writer thread in one call, so the lock is held for one hop.

On PostgreSQL, or inside a transaction already open (the write must join it), the same
rows go through piccolo in a transaction: one behaviour, two speeds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from piccolo.columns.defaults.base import Default
from piccolo.table import Table
from piccolo.utils.sql_values import convert_to_sql_value

from hub.db.engine import current_engine, write_transaction
from hub.db.sqlite_pool import PooledSQLiteEngine

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One row to insert: column name -> value; columns left out take their default.

    ``parent_id_column`` names the column that receives the id of the first row.
    """

    table: type[Table]
    values: dict[str, Any]
    parent_id_column: str | None = None


@cache
def _statement(
    table: type[Table], returning: bool, ignore_conflicts: bool = False
) -> tuple[str, tuple[Any, ...]]:
    columns = tuple(c for c in table._meta.columns if not c._meta.primary_key)
    names = ", ".join(f'"{c._meta.db_column_name}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks})'
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f' RETURNING "{table._meta.primary_key._meta.db_column_name}"'
    return sql, columns


def _args(row: Row, columns: tuple[Any, ...], parent_id: int | None) -> list[Any]:
    args = []
    for column in columns:
        name = column._meta.name
        if name == row.parent_id_column:
            value: Any = parent_id
        elif name in row.values:
            value = row.values[name]
        else:
            value = column.get_default_value()
            if isinstance(value, Default):  # e.g. TimestamptzNow: as piccolo's Table() does
                value = value.python()
        args.append(convert_to_sql_value(value, column))
    return args


def _atomically(db: sqlite3.Connection, work: Callable[[], T]) -> T:
    """``work()`` between ``BEGIN IMMEDIATE`` and ``COMMIT``, rolled back if it raises."""
    try:
        db.execute("BEGIN IMMEDIATE")
        result = work()
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result


def _write_family(db: sqlite3.Connection, first: Row, rest: Sequence[Row]) -> int:
    def work() -> int:
        sql, columns = _statement(first.table, True)
        found = db.execute(sql, _args(first, columns, None)).fetchone()
        pk = first.table._meta.primary_key._meta.db_column_name
        new_id = int(found[pk] if isinstance(found, dict) else found[0])
        for row in rest:
            sql, columns = _statement(row.table, False)
            db.execute(sql, _args(row, columns, new_id))
        return new_id

    return _atomically(db, work)


def _write_many(
    db: sqlite3.Connection, table: type[Table], rows: Sequence[dict[str, Any]], ignore: bool
) -> None:
    sql, columns = _statement(table, False, ignore)
    args = [_args(Row(table, values), columns, None) for values in rows]
    _atomically(db, lambda: db.executemany(sql, args))


def _one_trip_engine() -> PooledSQLiteEngine | None:
    """The engine when the write can take one trip: SQLite, no transaction already open
    (one that is must be joined, so the write goes through piccolo)."""
    engine = current_engine()
    if isinstance(engine, PooledSQLiteEngine) and engine.current_transaction.get() is None:
        return engine
    return None


async def _on_writer(engine: PooledSQLiteEngine, fn: Callable[..., T], *args: Any) -> T:
    """``fn(connection, *args)`` in the SQLite writer thread, holding the write lock."""
    async with engine._write_lock:
        connection = await engine._writer()
        result: T = await connection._execute(fn, connection._conn, *args)
        return result


async def insert_many(
    table: type[Table], rows: Sequence[dict[str, Any]], *, ignore_conflicts: bool = False
) -> None:
    """Insert ``rows`` (column name -> value, defaults for the rest) atomically.

    ``ignore_conflicts`` skips rows that would break a unique constraint (``ON CONFLICT
    DO NOTHING``) instead of failing the whole batch.
    """
    if not rows:
        return
    engine = _one_trip_engine()
    if engine is not None:
        await _on_writer(engine, _write_many, table, rows, ignore_conflicts)
        return
    async with write_transaction():
        query = table.insert(*[table(**values) for values in rows])
        if ignore_conflicts:
            query = query.on_conflict(action="DO NOTHING")
        await query


async def insert_family(first: Row, rest: Sequence[Row] = ()) -> int:
    """Insert ``first`` and then ``rest`` (each given the first row's id) atomically.

    Returns the first row's id. Constraint errors are the driver's own
    (``sqlite3.IntegrityError`` / asyncpg's), as with a piccolo insert.
    """
    engine = _one_trip_engine()
    if engine is not None:
        return await _on_writer(engine, _write_family, first, rest)
    async with write_transaction():
        pk = first.table._meta.primary_key
        inserted = await first.table.insert(first.table(**first.values)).returning(pk)
        new_id = int(inserted[0][pk._meta.name])
        for row in rest:
            values = dict(row.values)
            if row.parent_id_column:
                values[row.parent_id_column] = new_id
            await row.table.insert(row.table(**values))
    return new_id
