"""What becomes of one prepared mail, and writing it down.

* quarantined, noise (bounces, auto-replies, lists, loops) and rate-limited mail is
  recorded and goes no further: never a task, never an answer;
* a reply to a task joins it (:mod:`plugins.inbox.threads`), reopening it where the rules
  say so, or starts a new linked task when it answers a task closed too long ago;
* anything else is matched and triaged, then held as an inbox item, or converted at
  once when the customer's ``auto_convert`` setting says so.

"Simple" outcomes are rows of ``inbox_mail`` only and are written in batches; outcomes
that touch tasks run one by one through the core services, each idempotent (the task's
intake key, the message's Message-ID), and the row is written last.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from hub.db.tables import Message, Task
from hub.schemas.tasks import TaskCreate
from hub.services import messages, tasks
from hub.services.context import Actor
from hub.services.tasks import HubLike
from hub.services.triage import assignment
from plugins.inbox.autoreply import SenderRateLimiter
from plugins.inbox.prepare import MAX_BODY_CHARS, Prepared
from plugins.inbox.tables import InboxMail
from plugins.inbox.threads import ThreadMatch, find_thread
from plugins.inbox.triage_step import Suggestion, TriageCache, suggest

DEFAULT_REOPEN_DAYS = 7
TITLE_MAX = 500


class Decision(msgspec.Struct, kw_only=True):
    status: str  # see plugins.inbox.tables.MAIL_STATUSES
    thread: ThreadMatch | None = None
    suggestion: Suggestion | None = None
    #: needs the task path (create or touch a task) before the row is written
    touches_task: bool = False


def title_of(prepared: Prepared) -> str:
    subject = (prepared.parsed.subject if prepared.parsed else "").strip()
    if subject:
        return subject[:TITLE_MAX]
    first = (prepared.split.new_text if prepared.split else "").strip().splitlines()
    return (first[0][:120] if first else "") or "(no subject)"


async def decide(
    hub: HubLike,
    prepared: Prepared,
    cache: TriageCache,
    limiter: SenderRateLimiter,
    secret: bytes,
) -> Decision:
    """Classify one mail; reads the database but writes nothing."""
    parsed = prepared.parsed
    if parsed is None:
        return Decision(status="quarantined")
    if prepared.noise is not None and prepared.noise.is_noise:
        return Decision(status="noise")
    if not limiter.hit(parsed.from_addr or prepared.received.mail_from or "(none)"):
        return Decision(status="rate_limited")
    thread = await find_thread(parsed, prepared.received.rcpt_to, secret)
    if thread is not None:
        return Decision(status="threaded", thread=thread, touches_task=True)
    suggestion = await suggest(
        hub.pm,
        cache,
        sender=parsed.from_addr,
        subject=parsed.subject,
        body=prepared.split.new_text if prepared.split else parsed.text,
        received_at=prepared.received.received_at,
    )
    settings = cache.customer_settings(suggestion.customer_id)
    if suggestion.customer_id is not None and settings.get("auto_convert"):
        return Decision(status="converted", suggestion=suggestion, touches_task=True)
    return Decision(status="inbox", suggestion=suggestion)


def row_for(prepared: Prepared, decision: Decision, task_id: int | None = None) -> InboxMail:
    """The ``inbox_mail`` row recording a mail and its outcome."""
    return InboxMail(**values_for(prepared, decision, task_id))


def values_for(
    prepared: Prepared, decision: Decision, task_id: int | None = None
) -> dict[str, Any]:
    """The column values of :func:`row_for` (for ``insert_many``)."""
    rec = prepared.received
    parsed = prepared.parsed
    sugg = decision.suggestion
    values: dict[str, Any] = {
        "intake_key": rec.key,
        "status": decision.status,
        "received_at": rec.received_at,
        "peer": rec.peer[:200],
        "mail_from": rec.mail_from[:998],
        "rcpt_to": msgspec.json.encode(rec.rcpt_to).decode(),
        "raw_sha256": prepared.raw_sha256,
        "raw_size": len(rec.raw),
        "quarantine_reason": prepared.quarantine_reason,
        "attachments": msgspec.json.encode(prepared.attachments).decode(),
        "task": task_id,
        "thread_method": decision.thread.method if decision.thread else "",
    }
    if parsed is not None:
        values.update(
            message_id=parsed.message_id[:998],
            in_reply_to=(parsed.in_reply_to or "")[:998] or None,
            references=msgspec.json.encode(parsed.references[-50:]).decode(),
            subject=parsed.subject,
            from_addr=(parsed.from_addr or "")[:998] or None,
            from_name=(parsed.from_name or "")[:998] or None,
            recipients=msgspec.json.encode([*parsed.to, *parsed.cc][:100]).decode(),
            date_header=parsed.date,
            body=prepared.split.new_text if prepared.split else parsed.text[:MAX_BODY_CHARS],
            quoted=prepared.split.quoted if prepared.split else "",
            signature=prepared.split.signature if prepared.split else "",
            parse_mode=parsed.parse_mode,
        )
    if prepared.noise is not None and prepared.noise.is_noise:
        values["noise_kind"] = prepared.noise.kind
        values["noise_reasons"] = msgspec.json.encode(prepared.noise.reasons).decode()
    if decision.status == "rate_limited":
        values["reasons"] = msgspec.json.encode(["sender over the per-sender rate limit"]).decode()
    if sugg is not None:
        values.update(
            customer=sugg.customer_id,
            contact=sugg.contact_id,
            match_method=sugg.match_method,
            needs_review=sugg.needs_review,
            suggested_priority=sugg.priority,
            suggested_team=sugg.team[:120],
            suggested_category=sugg.category[:64],
            reasons=msgspec.json.encode(sugg.reasons).decode(),
            triage=msgspec.json.encode(sugg.triage).decode(),
        )
    return values


def contact_actor(sender: str | None) -> Actor:
    return Actor(name=f"contact:{sender or 'unknown'}", channel="email", role="contact")


async def add_inbound(
    hub: HubLike,
    task_id: int,
    *,
    sender: str,
    body: str,
    message_id: str,
    attachments: list[dict[str, Any]],
    at: datetime,
) -> None:
    """Append a customer's mail to a task's conversation once (keyed by its Message-ID)."""
    exists = await Message.exists().where(
        (Message.task == task_id) & (Message.message_id == message_id)
    )
    if exists:
        return
    await messages.add_message(
        hub,
        task_id,
        direction="inbound",
        channel="email",
        author=sender.lower(),
        author_kind="contact",
        body=body,
        public=True,
        actor=contact_actor(sender),
        message_id=message_id,
        attachments=attachments,
        at=at,
    )


async def add_mail_message(hub: HubLike, task_id: int, prepared: Prepared) -> None:
    """Append a prepared mail to a task (see :func:`add_inbound`)."""
    parsed = prepared.parsed
    assert parsed is not None
    await add_inbound(
        hub,
        task_id,
        sender=parsed.from_addr or prepared.received.mail_from or "",
        body=prepared.split.new_text if prepared.split else parsed.text,
        message_id=parsed.message_id,
        attachments=prepared.attachments,
        at=prepared.received.received_at,
    )


async def create_task_from(
    hub: HubLike,
    prepared: Prepared,
    customer_id: int,
    priority: str,
    actor: Actor,
    *,
    overrides: dict[str, Any] | None = None,
    linked_task_id: int | None = None,
) -> int:
    """Create (once, by intake key) the task for a mail and add the mail to it."""
    parsed = prepared.parsed
    body = prepared.split.new_text if prepared.split else (parsed.text if parsed else "")
    fields: dict[str, Any] = {
        "customer_id": customer_id,
        "title": title_of(prepared),
        "description": body,
        "priority": priority,
        "source": "email",
        "source_ref": (parsed.message_id if parsed else prepared.received.key)[:500],
        "arrived_at": prepared.received.received_at,
    }
    fields.update({k: v for k, v in (overrides or {}).items() if v is not None})
    task = await tasks.create_task(
        hub,
        msgspec.convert(fields, TaskCreate),
        actor,
        intake_key=prepared.received.key,
        linked_task_id=linked_task_id,
    )
    if parsed is not None:
        await add_mail_message(hub, task.id, prepared)
    return task.id


async def _reply_to_closed(
    hub: HubLike, prepared: Prepared, task: dict[str, Any], cache: TriageCache, now: datetime
) -> tuple[int, str]:
    await cache.context(task["customer"], False)
    settings = cache.customer_settings(task["customer"])
    days = int(settings.get("reopen_days", DEFAULT_REOPEN_DAYS))
    closed_at = task["closed_at"] or task["updated_at"]
    actor = contact_actor(prepared.parsed.from_addr if prepared.parsed else None)
    if closed_at is not None and now - closed_at <= timedelta(days=days):
        await tasks.set_status(hub, task["id"], "open", actor)
        await add_mail_message(hub, task["id"], prepared)
        return task["id"], "reopened"
    sugg = await suggest(
        hub.pm,
        cache,
        sender=prepared.parsed.from_addr if prepared.parsed else None,
        subject=title_of(prepared),
        body=prepared.split.new_text if prepared.split else "",
        received_at=prepared.received.received_at,
    )
    new_id = await create_task_from(
        hub, prepared, task["customer"], sugg.priority, actor, linked_task_id=task["id"]
    )
    return new_id, "linked"


async def apply_to_task(
    hub: HubLike, prepared: Prepared, decision: Decision, cache: TriageCache
) -> InboxMail:
    """Run the task side of a decision, then return the row to record."""
    actor = contact_actor(prepared.parsed.from_addr if prepared.parsed else None)
    if decision.thread is not None:
        task = await Task.select().where(Task.id == decision.thread.task_id).first()
        assert task is not None
        status = task["status"]
        method = decision.thread.method
        if status == "closed":
            task_id, effect = await _reply_to_closed(
                hub, prepared, task, cache, prepared.received.received_at
            )
            method = f"{method}:{effect}"
        else:
            if status == "resolved":
                # the customer says it is not fixed: back to work
                await tasks.set_status(hub, task["id"], "open", actor)
            await add_mail_message(hub, task["id"], prepared)  # reopens waiting_on_customer
            task_id = task["id"]
        decision = msgspec.structs.replace(
            decision, thread=ThreadMatch(task_id=decision.thread.task_id, method=method)
        )
        return row_for(prepared, decision, task_id)
    sugg = decision.suggestion
    assert sugg is not None and sugg.customer_id is not None
    overrides: dict[str, Any] = {
        "category": sugg.category or None,
        **await assignment(sugg.team, sugg.technician_id),
    }
    task_id = await create_task_from(
        hub, prepared, sugg.customer_id, sugg.priority, actor, overrides=overrides
    )
    return row_for(prepared, decision, task_id)
