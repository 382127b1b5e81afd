"""A task's conversation: inbound mail, outbound replies, internal notes, in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from hub.db.engine import write_transaction
from hub.db.tables import Message, Task
from hub.schemas.tasks import MessageOut
from hub.services import audit
from hub.services.context import Actor
from hub.services.state_machine import CUSTOMER_REPLY_TRANSITIONS
from hub.services.task_rows import load_row
from hub.services.tasks import HubLike, event_for, mark_first_response, now_utc, set_status


def _out(row: dict[str, Any]) -> MessageOut:
    return MessageOut(
        id=row["id"],
        task_id=row["task"],
        direction=row["direction"],
        channel=row["channel"],
        author=row["author"],
        author_kind=row["author_kind"],
        body=row["body"],
        public=row["public"],
        message_id=row["message_id"],
        attachments=msgspec.json.decode(row["attachments"] or "[]"),
        created_at=row["created_at"],
    )


async def list_messages(task_id: int, public_only: bool = False) -> list[MessageOut]:
    await load_row(task_id)
    query = Message.select().where(Message.task == task_id)
    if public_only:
        query = query.where(Message.public == True)  # noqa: E712
    return [_out(r) for r in await query.order_by(Message.created_at).order_by(Message.id)]


async def add_message(
    hub: HubLike,
    task_id: int,
    *,
    direction: str,
    channel: str,
    author: str,
    author_kind: str,
    body: str,
    public: bool,
    actor: Actor,
    message_id: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    at: datetime | None = None,
) -> MessageOut:
    """Append to the conversation and apply its effects.

    * an outbound public message (reply, public comment) stops the first-response clock;
    * an inbound message from the customer reopens a task waiting on them.
    """
    at = at or now_utc()
    async with write_transaction():
        row = await load_row(task_id)
        msg = Message(
            task=task_id,
            direction=direction,
            channel=channel,
            author=author,
            author_kind=author_kind,
            body=body,
            public=public,
            message_id=message_id,
            attachments=msgspec.json.encode(attachments or []).decode(),
            created_at=at,
        )
        await msg.save()
        if actor.is_technician:
            await Task.update({Task.touched_by_technician: True}).where(Task.id == task_id)
        await audit.record(
            audit.entries("task", task_id, actor.name, actor.channel, f"message_{direction}")
        )
    if direction == "outbound" and public:
        await mark_first_response(hub, task_id, at)
    if direction == "inbound" and author_kind == "contact":
        target = CUSTOMER_REPLY_TRANSITIONS.get(row["status"])
        if target and row["status"] == "waiting_on_customer":
            await set_status(hub, task_id, target, actor)
    row = await load_row(task_id)
    await hub.task_event(event_for("message_added", row, actor, at, direction=(None, direction)))
    return _out(await Message.select().where(Message.id == msg.id).first())
