"""Answering the customer from a task (or straight from an inbox item).

The reply carries our signed Message-ID, In-Reply-To/References of the conversation, the
task reference in the subject and a signed plus-address Reply-To, so the customer's
answer threads back even through providers that rewrite Message-IDs. Order of writes
(a transactional outbox): the outbox row, then the outbound public message on the task
(which stops the first-response clock), then the bus. If the bus is down, the row stays
``queued`` and :func:`plugins.inbox.outbound.republish_queued` publishes it later.
"""

from __future__ import annotations

import msgspec

from hub.contracts import OutboundMail
from hub.db.tables import Message
from hub.errors import BadRequest, Unavailable
from hub.logs import get_logger
from hub.runtime import Hub
from hub.services import messages, tasks
from hub.services.context import Actor
from hub.services.task_rows import load_row
from plugins.inbox.config import InboxSettings
from plugins.inbox.outbound import SUBJECT, record_queued
from plugins.inbox.schemas import ReplyRequest, ReplyResult
from plugins.inbox.tables import Outbox
from plugins.inbox.tokens import format_subject, make_message_id, make_reply_address

log = get_logger("plugins.inbox.replies")


async def _conversation(task_id: int) -> tuple[str | None, str | None, list[str]]:
    """(last customer sender, the Message-ID to answer, all Message-IDs in order)."""
    rows = (
        await Message.select(Message.direction, Message.channel, Message.author, Message.message_id)
        .where(Message.task == task_id)
        .order_by(Message.created_at)
        .order_by(Message.id)
    )
    sender = answer = None
    ids: list[str] = []
    for row in rows:
        if row["message_id"]:
            ids.append(row["message_id"])
        if row["direction"] == "inbound" and row["channel"] == "email" and row["author"]:
            sender, answer = row["author"], row["message_id"]
    return sender, answer, ids


async def reply_to_task(
    hub: Hub, settings: InboxSettings, task_id: int, data: ReplyRequest, actor: Actor
) -> ReplyResult:
    """Send ``data`` to the customer of ``task_id`` and record it on the task."""
    task = await load_row(task_id)
    if data.idempotency_key:
        key = f"task:{task_id}:{data.idempotency_key}"
        existing = await Outbox.select().where(Outbox.key == key).first()
        if existing is not None:
            return ReplyResult(
                task_id=task_id,
                message_id=existing["message_id"].strip("<>"),
                outbox_key=key,
                to=msgspec.json.decode(existing["recipients"] or "[]", type=list[str]),
                subject=existing["subject"],
                delivery=existing["status"],
                duplicate=True,
            )
    sender, answer, ids = await _conversation(task_id)
    to = [a.lower() for a in (data.to or ([sender] if sender else []))]
    if not to:
        raise BadRequest(
            "to: this task has no mail from the customer to answer; give the recipients",
            field="to",
        )
    secret = hub.settings.secret
    mid = make_message_id(task_id, secret, settings.mid_domain)
    key = f"task:{task_id}:{data.idempotency_key}" if data.idempotency_key else f"mid:{mid}"
    subject = format_subject(task_id, data.subject or task["title"])
    if answer and not data.subject:
        subject = f"Re: {subject}"
    mail = OutboundMail(
        key=key,
        to=to,
        subject=subject,
        text=data.text,
        html=data.html,
        task_id=task_id,
        in_reply_to=answer,
        references=ids[-20:],
        reply_to=make_reply_address(task_id, secret, settings.from_address),
        message_id=mid,
    )
    await record_queued(mail)
    await messages.add_message(
        hub,
        task_id,
        direction="outbound",
        channel="email",
        author=actor.name,
        author_kind="technician" if actor.is_technician else "system",
        body=data.text,
        public=True,
        actor=actor,
        message_id=mid.strip("<>"),
    )
    delivery = "queued"
    try:
        await hub.bus_required.publish_durable(
            SUBJECT, msgspec.json.encode(mail), key=f"mail:{mail.key}"
        )
    except Unavailable as exc:
        delivery = "pending"
        log.warning("reply_publish_deferred", task_id=task_id, key=key, error=exc.detail)
    if data.status:
        await tasks.set_status(hub, task_id, data.status, actor)
    return ReplyResult(
        task_id=task_id,
        message_id=mid.strip("<>"),
        outbox_key=key,
        to=to,
        subject=subject,
        delivery=delivery,
    )
