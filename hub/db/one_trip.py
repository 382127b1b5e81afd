"""Rows written in one go on the SQLite writer: a row and its children, or a batch.

A piccolo transaction on SQLite is ``BEGIN IMMEDIATE``, one statement per insert and
``COMMIT``, each built by piccolo's query machinery and awaited on its own. Here the rows
are prepared statements run as one unit of the engine's group commit (see
:mod:`hub.db.group_commit`): all or nothing, committed with the other writes of the
moment.

On PostgreSQL, or inside a transaction already open (the write must join it), the same
rows go through piccolo in a transaction: one behaviour, two speeds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

import msgspec
from piccolo.columns import JSON, JSONB, BigSerial, Serial
from piccolo.columns.defaults.base import Default
from piccolo.table import Table
from piccolo.utils.sql_values import convert_to_sql_value

from hub.db.engine import current_engine, write_transaction
from hub.db.sqlite_inline import InlineSQLiteEngine


@dataclass(frozen=True)
class Row:
    """One row to insert: column name -> value; columns left out take their default.

    ``parent_id_column`` names the column that receives the id of the first row.
    """

    table: type[Table]
    values: dict[str, Any]
    parent_id_column: str | None = None


#: values SQLite takes as they are (convert_to_sql_value returns them unchanged)
_PLAIN = frozenset({str, int, float, bool, type(None), bytes, datetime, date, Decimal})


#: JSON for JSON columns given Python values: compact, as piccolo's dump_json (``default=str``)
_to_json = msgspec.json.Encoder(enc_hook=str)


@dataclass(frozen=True)
class _Column:
    """How one column of an insert gets its value (planned once per table)."""

    name: str
    column: Any
    constant: Any  # the converted default, when it is a constant
    computed: bool  # the default is computed per row (e.g. TimestamptzNow)
    json: bool  # a JSON column: dicts and lists are encoded here, not by piccolo

    def convert(self, value: Any) -> Any:
        if type(value) in _PLAIN:
            return value
        if self.json and type(value) in (dict, list):
            return _to_json.encode(value).decode()
        return convert_to_sql_value(value, self.column)

    def default(self) -> Any:
        if not self.computed:
            return self.constant
        value = self.column.get_default_value()
        if isinstance(value, Default):  # e.g. TimestamptzNow: as piccolo's Table() does
            value = value.python()
        return convert_to_sql_value(value, self.column)


def _plan_column(column: Any) -> _Column:
    raw = getattr(column, "default", ...)
    computed = isinstance(raw, Default) or (callable(raw) and not isinstance(raw, Enum))
    constant = None if computed else convert_to_sql_value(column.get_default_value(), column)
    return _Column(column._meta.name, column, constant, computed, isinstance(column, JSON | JSONB))


@cache
def _statement(
    table: type[Table], returning: bool, ignore_conflicts: bool = False
) -> tuple[str, tuple[_Column, ...]]:
    columns = tuple(c for c in table._meta.columns if not c._meta.primary_key)
    names = ", ".join(f'"{c._meta.db_column_name}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks})'
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f' RETURNING "{table._meta.primary_key._meta.db_column_name}"'
    return sql, tuple(_plan_column(c) for c in columns)


def _args(row: Row, columns: tuple[_Column, ...], parent_id: int | None) -> list[Any]:
    args = []
    values = row.values
    for planned in columns:
        name = planned.name
        if name == row.parent_id_column:
            args.append(parent_id)
        elif name in values:
            args.append(planned.convert(values[name]))
        else:
            args.append(planned.default())
    return args


def _write_family(db: sqlite3.Connection, first: Row, rest: Sequence[Row]) -> int:
    pk = first.table._meta.primary_key
    if isinstance(pk, Serial | BigSerial):  # INTEGER PRIMARY KEY: the rowid is the id
        sql, columns = _statement(first.table, False)
        cursor = db.execute(sql, _args(first, columns, None))
        new_id = int(cursor.lastrowid or 0)
        cursor.close()
    else:
        sql, columns = _statement(first.table, True)
        found = db.execute(sql, _args(first, columns, None)).fetchone()
        name = pk._meta.db_column_name
        new_id = int(found[name] if isinstance(found, dict) else found[0])
    for row in rest:
        sql, columns = _statement(row.table, False)
        db.execute(sql, _args(row, columns, new_id))
    return new_id


def _one_trip_engine() -> InlineSQLiteEngine | None:
    """The engine when the write can go in one call: SQLite, no transaction already open
    (one that is must be joined, so the write goes through piccolo)."""
    engine = current_engine()
    if isinstance(engine, InlineSQLiteEngine) and engine.current_transaction.get() is None:
        return engine
    return None


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
        sql, columns = _statement(table, False, ignore_conflicts)
        args = [_args(Row(table, values), columns, None) for values in rows]
        await engine.write(lambda db: db.executemany(sql, args))
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
        return await engine.write(lambda db: _write_family(db, first, rest))
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
