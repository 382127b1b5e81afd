"""The queue: filtered, sorted task listings with keyset (cursor) pagination.

A cursor holds the sort key and id of the last row served, so pages never repeat or
skip a row when tasks are inserted while someone pages through.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from piccolo.columns.combination import WhereRaw

from hub.contracts import STATUSES
from hub.db.engine import is_sqlite
from hub.db.tables import Task, TeamMember
from hub.errors import BadRequest
from hub.schemas.tasks import TaskPage
from hub.services.task_rows import PRIORITY_RANK, summary_query, to_summary

Sort = Literal["sla_due", "priority", "created", "-created"]


class TaskFilter(msgspec.Struct, kw_only=True):
    status: list[str] | None = None
    priority: list[str] | None = None
    customer_id: int | None = None
    assignee_technician_id: int | None = None
    team_id: int | None = None
    source: str | None = None
    q: str | None = None
    unassigned: bool | None = None
    #: a technician's queue: theirs, plus their teams' tasks no technician has taken
    queue_of: int | None = None
    queue_teams: list[int] = []


class _Cursor(msgspec.Struct, array_like=True):
    sort: str
    key: Any
    id: int


def encode_cursor(sort: str, key: Any, ident: int) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    raw = msgspec.json.encode(_Cursor(sort, key, ident))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> _Cursor:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parsed = msgspec.json.decode(raw, type=_Cursor)
    except (ValueError, msgspec.DecodeError) as exc:
        raise BadRequest("cursor: not a cursor this API issued", field="cursor") from exc
    if parsed.sort != sort:
        raise BadRequest("cursor: was issued for another sort order", field="cursor")
    if sort in ("sla_due", "created", "-created"):
        parsed.key = datetime.fromisoformat(parsed.key)
    return parsed


_SORTS: dict[str, tuple[Any, bool]] = {
    # sort name -> (column, ascending)
    "sla_due": (Task.queue_due_at, True),
    "priority": (Task.priority_rank, True),
    "created": (Task.created_at, True),
    "-created": (Task.created_at, False),
}


def _where(query: Any, f: TaskFilter) -> Any:
    if f.status:
        unknown = [v for v in f.status if v not in STATUSES]
        if unknown:
            raise BadRequest(f"status: unknown value {unknown[0]!r}", field="status")
        query = query.where(Task.status.is_in(f.status))
    if f.priority:
        # filter on the rank, which the (status, priority_rank, id) index covers
        unknown = [p for p in f.priority if p not in PRIORITY_RANK]
        if unknown:
            raise BadRequest(f"priority: unknown value {unknown[0]!r}", field="priority")
        query = query.where(Task.priority_rank.is_in([PRIORITY_RANK[p] for p in f.priority]))
    if f.customer_id is not None:
        query = query.where(Task.customer == f.customer_id)
    if f.assignee_technician_id is not None:
        query = query.where(Task.assignee_technician == f.assignee_technician_id)
    if f.team_id is not None:
        query = query.where(Task.assignee_team == f.team_id)
    if f.source:
        query = query.where(Task.source == f.source)
    if f.unassigned:
        query = query.where(Task.assignee_technician.is_null() & Task.assignee_team.is_null())
    if f.queue_of is not None:
        mine = Task.assignee_technician == f.queue_of
        if f.queue_teams:
            mine = mine | (
                Task.assignee_team.is_in(f.queue_teams) & Task.assignee_technician.is_null()
            )
        query = query.where(mine)
    if f.q:
        # the user's text is matched literally: escape LIKE's wildcards; SQLite's LIKE is
        # case-insensitive for ASCII already and it has no ILIKE
        text = f.q.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        operator = "LIKE" if is_sqlite() else "ILIKE"
        query = query.where(WhereRaw(f'"task"."title" {operator} {{}} ESCAPE \'!\'', f"%{text}%"))
    return query


async def list_tasks(
    f: TaskFilter, sort: str = "sla_due", limit: int = 50, cursor: str | None = None
) -> TaskPage:
    if sort not in _SORTS:
        raise BadRequest(f"sort: must be one of {', '.join(_SORTS)}", field="sort")
    if not 1 <= limit <= 500:
        raise BadRequest("limit: must be between 1 and 500", field="limit")
    column, ascending = _SORTS[sort]
    query = _where(summary_query(), f)
    if cursor:
        c = decode_cursor(cursor, sort)
        if ascending:
            query = query.where((column > c.key) | ((column == c.key) & (Task.id > c.id)))
        else:
            query = query.where((column < c.key) | ((column == c.key) & (Task.id < c.id)))
    query = query.order_by(column, ascending=ascending).order_by(Task.id, ascending=ascending)
    rows = await query.limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(sort, last[column._meta.name], last["id"])
    now = datetime.now(UTC)
    return TaskPage(items=[to_summary(r, now) for r in rows], next_cursor=next_cursor)


async def team_ids_of(technician_id: int) -> list[int]:
    rows = await TeamMember.select(TeamMember.team).where(TeamMember.technician == technician_id)
    return [r["team"] for r in rows]
