"""Isolation: which tasks a signed-in contact may see, and nothing else.

A contact sees the tasks of their own customer that they submitted in the portal or
wrote to (an inbound message from their address); a portal admin contact sees all of
the customer's tasks. Anything else is "not found" (404, never 403), so the portal does
not reveal that another customer's task exists.
"""

from __future__ import annotations

from typing import Any

from hub.db.tables import Message, Task
from hub.errors import NotFound
from plugins.portal.sessions import PortalUser
from plugins.portal.tables import PortalRequest

STATUS_FILTERS = {
    "open": ("open", "in_progress", "waiting_on_customer"),
    "done": ("resolved", "closed"),
}


async def _own_task_ids(user: PortalUser) -> set[int]:
    submitted = await PortalRequest.select(PortalRequest.task).where(
        (PortalRequest.contact == user.contact_id) & (PortalRequest.customer == user.customer_id)
    )
    wrote = (
        await Message.select(Message.task)
        .where(
            (Message.author_kind == "contact")
            & (Message.direction == "inbound")
            & (Message.author == user.email)
            & (Message.task.customer == user.customer_id)
        )
        .distinct()
    )
    return {r["task"] for r in submitted} | {r["task"] for r in wrote}


async def visible_tasks(user: PortalUser, status: str = "all", limit: int = 200) -> list[dict]:
    """The contact's tasks, newest first (rows with the columns the portal shows)."""
    query = Task.select(
        Task.id,
        Task.title,
        Task.status,
        Task.priority,
        Task.category,
        Task.source,
        Task.created_at,
        Task.updated_at,
        Task.resolved_at,
    ).where(Task.customer == user.customer_id)
    if not user.admin:
        ids = await _own_task_ids(user)
        if not ids:
            return []
        query = query.where(Task.id.is_in(list(ids)))
    if status in STATUS_FILTERS:
        query = query.where(Task.status.is_in(list(STATUS_FILTERS[status])))
    return await query.order_by(Task.created_at, ascending=False).limit(limit)


async def visible_task(user: PortalUser, task_id: int) -> dict[str, Any]:
    """One task the contact may see, or NotFound (also for other customers' tasks)."""
    row = (
        await Task.select(
            Task.id,
            Task.customer,
            Task.title,
            Task.description,
            Task.status,
            Task.priority,
            Task.category,
            Task.source,
            Task.created_at,
            Task.updated_at,
            Task.resolved_at,
        )
        .where((Task.id == task_id) & (Task.customer == user.customer_id))
        .first()
    )
    if row is None:
        raise NotFound("request", task_id)
    if not user.admin and task_id not in await _own_task_ids(user):
        raise NotFound("request", task_id)
    return row
