"""insert_family: a row and its children, all or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest

from hub.db.engine import write_transaction
from hub.db.one_trip import Row, insert_family, insert_many
from hub.db.tables import AuditEntry, Technician
from hub.runtime import Hub


def _tech(email: str) -> Row:
    return Row(Technician, {"name": "Ann", "email": email, "skills": ["windows", "linux"]})


def _audit() -> Row:
    values = {"entity": "technician", "actor": "admin:test", "channel": "api", "action": "created"}
    return Row(AuditEntry, values, parent_id_column="entity_id")


async def test_children_get_the_first_rows_id_and_defaults(hub: Hub) -> None:
    new_id = await insert_family(_tech("ann@msp.example"), [_audit(), _audit()])
    tech = await Technician.select().where(Technician.id == new_id).first()
    assert tech["email"] == "ann@msp.example"
    assert tech["skills"] == '["windows","linux"]' or tech["skills"] == '["windows", "linux"]'
    assert (tech["timezone"], tech["active"]) == ("UTC", True)
    rows = await AuditEntry.select().where(AuditEntry.entity_id == new_id)
    assert len(rows) == 2
    assert all(r["field"] == "" and r["old"] is None and r["at"] is not None for r in rows)


async def test_a_failing_child_leaves_nothing_behind(hub: Hub) -> None:
    await insert_family(_tech("taken@msp.example"))
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await insert_family(_tech("bob@msp.example"), [_audit(), _tech("taken@msp.example")])
    assert await Technician.count() == 1
    assert await AuditEntry.count() == 0
    # and the writer is usable afterwards
    assert await insert_family(_tech("bob@msp.example"), [_audit()]) > 0


async def test_inside_an_open_transaction_it_joins_it(hub: Hub) -> None:
    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        async with write_transaction():
            new_id = await insert_family(_tech("cid@msp.example"), [_audit()])
            assert await Technician.exists().where(Technician.id == new_id)
            raise Undo
    assert await Technician.count() == 0 and await AuditEntry.count() == 0


async def test_insert_many_is_all_or_nothing(hub: Hub) -> None:
    await insert_many(Technician, [])  # nothing to do is not an error
    emails = [f"t{i}@msp.example" for i in range(50)]
    await insert_many(Technician, [{"name": "T", "email": e} for e in emails])
    rows = await Technician.select(Technician.email, Technician.timezone)
    assert sorted(r["email"] for r in rows) == sorted(emails)
    assert {r["timezone"] for r in rows} == {"UTC"}
    with pytest.raises((sqlite3.IntegrityError, asyncpg.UniqueViolationError)):
        await insert_many(
            Technician,
            [{"name": "N", "email": "new@msp.example"}, {"name": "D", "email": emails[0]}],
        )
    assert not await Technician.exists().where(Technician.email == "new@msp.example")


async def test_insert_many_can_skip_rows_that_already_exist(hub: Hub) -> None:
    await insert_many(Technician, [{"name": "A", "email": "a@msp.example"}])
    again = [{"name": "A2", "email": "a@msp.example"}, {"name": "B", "email": "b@msp.example"}]
    await insert_many(Technician, again, ignore_conflicts=True)
    rows = await Technician.select(Technician.name, Technician.email).order_by(Technician.email)
    assert [(r["name"], r["email"]) for r in rows] == [
        ("A", "a@msp.example"),
        ("B", "b@msp.example"),
    ]


def test_planned_values_match_piccolos_own_conversion() -> None:
    """The fast path of _args gives what piccolo's Table() + convert_to_sql_value give."""
    from datetime import datetime

    from piccolo.utils.sql_values import convert_to_sql_value

    from hub.db.engine import all_tables
    from hub.db.one_trip import _args, _statement
    from hub.db.tables import Customer, Task

    for table in all_tables():
        _, planned = _statement(table, False)
        ours = _args(Row(table, {}), planned, None)
        instance = table()  # piccolo fills every default itself
        for p, value in zip(planned, ours, strict=True):
            expected = convert_to_sql_value(getattr(instance, p.name), p.column)
            if isinstance(expected, datetime):  # "now" defaults: computed per row
                assert isinstance(value, datetime) and abs(value - expected).total_seconds() < 5
            else:
                assert value == expected, (table.__name__, p.name)
    _, planned = _statement(Task, False)
    given = {"customer": Customer(id=7), "sla": {"a": 1}, "title": "t", "version": 3}
    names = [p.name for p in planned]
    by_name = dict(zip(names, _args(Row(Task, given), planned, None), strict=True))
    assert by_name["customer"] == 7  # a Table instance becomes its key
    assert by_name["sla"] in ('{"a":1}', '{"a": 1}')  # JSON from a dict
    assert (by_name["title"], by_name["version"]) == ("t", 3)
