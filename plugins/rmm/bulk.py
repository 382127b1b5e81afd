"""Multi-row INSERT (optionally upsert) and UPDATE statements for the intake's bulk writes.

piccolo builds a query by turning every value of every row into a query fragment (and
compiling a ``raw`` query with thousands of ``{}`` is not much cheaper), and building a
``Table`` instance per row costs as much again: for a batch of a few hundred alerts that
was most of the consumer's time. These helpers write the statement with the driver's
own placeholders and run it on the current transaction's connection, so values go to
the driver as they are (the same adapters piccolo registers: datetimes, booleans, JSON
as text). Outside a transaction they fall back to piccolo's ``raw``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from piccolo.table import Table

CHUNK = 500  # rows (or keys) per statement: far below SQLite's and asyncpg's parameter limits


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _quoted(name: str) -> str:
    return f'"{name}"'


class _Statement:
    """SQL with numbered placeholders for the table's engine."""

    def __init__(self, table: type[Table]) -> None:
        self.table = table
        self.sqlite = table._meta.db.engine_type == "sqlite"
        self.count = 0

    def param(self) -> str:
        self.count += 1
        return "?" if self.sqlite else f"${self.count}"

    async def run(self, sql: str, args: list[Any]) -> None:
        engine = self.table._meta.db
        transaction = engine.current_transaction.get()
        connection = getattr(transaction, "connection", None)
        if connection is None:
            raw = sql if self.sqlite else _numbered_to_braces(sql, self.count)
            await self.table.raw(raw.replace("?", "{}"), *args)
        elif self.sqlite:
            await connection.execute(sql, args)  # hub.db.sqlite_inline.InlineConnection
        else:
            await connection.execute(sql, *args)


def _numbered_to_braces(sql: str, count: int) -> str:
    for n in range(count, 0, -1):  # $12 before $1
        sql = sql.replace(f"${n}", "{}")
    return sql


async def insert_rows(
    table: type[Table],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: str | None = None,
    update: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (values in ``columns`` order); on a ``conflict`` key, update ``update``."""
    names = ", ".join(_quoted(c) for c in columns)
    tail = ""
    if conflict is not None:
        sets = ", ".join(f"{_quoted(c)} = EXCLUDED.{_quoted(c)}" for c in update)
        tail = f" ON CONFLICT ({_quoted(conflict)}) DO UPDATE SET {sets}"
    per_chunk = max(1, CHUNK * 20 // max(1, len(columns)))
    for part in chunks(rows, per_chunk):
        statement = _Statement(table)
        values = ", ".join("(" + ", ".join(statement.param() for _ in columns) + ")" for _ in part)
        sql = f"INSERT INTO {_quoted(table._meta.tablename)} ({names}) VALUES {values}{tail}"
        await statement.run(sql, [value for row in part for value in row])


async def update_times(
    table: type[Table], key: str, column: str, values: dict[int, datetime]
) -> None:
    """``SET column = values[key]`` for every key, one statement per chunk."""
    items = sorted(values.items())
    for part in chunks(items):
        statement = _Statement(table)
        # PostgreSQL cannot infer a CASE result's type from parameters alone
        then = "{}" if statement.sqlite else "CAST({} AS TIMESTAMPTZ)"
        cases = " ".join(
            f"WHEN {statement.param()} THEN " + then.format(statement.param()) for _ in part
        )
        keys = ", ".join(statement.param() for _ in part)
        sql = (
            f"UPDATE {_quoted(table._meta.tablename)} SET {_quoted(column)} = "
            f"CASE {_quoted(key)} {cases} END WHERE {_quoted(key)} IN ({keys})"
        )
        await statement.run(sql, [v for item in part for v in item] + [k for k, _ in part])
