"""Reading inbox items and converting them to tasks (idempotently)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from hub.db.engine import write_transaction
from hub.db.tables import Team
from hub.errors import BadRequest, Conflict, NotFound
from hub.schemas.tasks import TaskCreate
from hub.services import tasks
from hub.services.context import Actor
from hub.services.task_rows import load_row, to_out
from hub.services.tasks import HubLike
from plugins.inbox.outcomes import add_inbound
from plugins.inbox.schemas import (
    Attachment,
    ConvertRequest,
    ConvertResult,
    InboxItem,
    InboxItemDetail,
    InboxPage,
    OutboxEntry,
)
from plugins.inbox.tables import MAIL_STATUSES, InboxMail, Outbox

COLUMNS = (*InboxMail.all_columns(), InboxMail.customer.name.as_alias("customer_name"))


def _list(raw: str | None) -> list[Any]:
    return msgspec.json.decode(raw or "[]")


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "status": row["status"],
        "received_at": row["received_at"],
        "message_id": row["message_id"],
        "sender": row["from_addr"],
        "sender_name": row["from_name"],
        "subject": row["subject"],
        "customer_id": row["customer"],
        "customer": row.get("customer_name"),
        "contact_id": row["contact"],
        "match_method": row["match_method"],
        "needs_review": row["needs_review"],
        "suggested_priority": row["suggested_priority"],
        "suggested_team": row["suggested_team"],
        "suggested_category": row["suggested_category"],
        "reasons": _list(row["reasons"]),
        "task_id": row["task"],
        "thread_method": row["thread_method"],
        "noise_kind": row["noise_kind"],
        "noise_reasons": _list(row["noise_reasons"]),
        "quarantine_reason": row["quarantine_reason"],
        "attachment_count": len(_list(row["attachments"])),
    }


async def list_items(
    *,
    status: str | None = "inbox",
    customer_id: int | None = None,
    team: str | None = None,
    unmatched: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> InboxPage:
    """Inbox items, newest first. ``status="all"`` lists every outcome."""
    if status is not None and status != "all" and status not in MAIL_STATUSES:
        raise BadRequest(
            f"status: expected all or one of {', '.join(MAIL_STATUSES)}", field="status"
        )
    if not 1 <= limit <= 500 or offset < 0:
        raise BadRequest("limit must be 1..500 and offset >= 0", field="limit")
    where: list[Any] = []
    if status and status != "all":
        where.append(InboxMail.status == status)
    if customer_id is not None:
        where.append(InboxMail.customer == customer_id)
    if team:
        where.append(InboxMail.suggested_team == team)
    if unmatched is True:
        where.append(InboxMail.customer.is_null())
    elif unmatched is False:
        where.append(InboxMail.customer.is_not_null())
    query = InboxMail.select(*COLUMNS)
    count = InboxMail.count()
    for clause in where:
        query = query.where(clause)
        count = count.where(clause)
    rows = (
        await query.order_by(InboxMail.received_at, ascending=False)
        .order_by(InboxMail.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return InboxPage(
        items=[InboxItem(**_item(r)) for r in rows], total=await count, limit=limit, offset=offset
    )


async def _row(item_id: int) -> dict[str, Any]:
    row = await InboxMail.select(*COLUMNS).where(InboxMail.id == item_id).first()
    if row is None:
        raise NotFound("inbox item", item_id)
    return row


async def get_item(item_id: int) -> InboxItemDetail:
    row = await _row(item_id)
    return InboxItemDetail(
        **_item(row),
        body=row["body"],
        quoted=row["quoted"],
        signature=row["signature"],
        attachments=[msgspec.convert(a, Attachment) for a in _list(row["attachments"])],
        in_reply_to=row["in_reply_to"],
        references=_list(row["references"]),
        recipients=_list(row["recipients"]),
        mail_from=row["mail_from"],
        rcpt_to=_list(row["rcpt_to"]),
        peer=row["peer"],
        raw_sha256=row["raw_sha256"],
        raw_size=row["raw_size"],
        parse_mode=row["parse_mode"],
        date_header=row["date_header"],
        triage=msgspec.json.decode(row["triage"] or "{}"),
    )


async def _team_id(name: str) -> int | None:
    if not name:
        return None
    row = await Team.select(Team.id).where(Team.name == name).first()
    return row["id"] if row else None


async def convert(hub: HubLike, item_id: int, data: ConvertRequest, actor: Actor) -> ConvertResult:
    """Turn an inbox item into a task, pre-filled from the mail; a second call returns it."""
    row = await _row(item_id)
    if row["task"] is not None:
        return ConvertResult(
            created=False, item_id=item_id, task=to_out(await load_row(row["task"]))
        )
    if row["status"] == "quarantined":
        raise Conflict(
            f"inbox item {item_id} is quarantined ({row['quarantine_reason']}); "
            "it cannot be converted"
        )
    customer_id = data.customer_id or row["customer"]
    if customer_id is None:
        raise BadRequest(
            f"customer_id: sender {row['from_addr']} matches no customer; say which one",
            field="customer_id",
        )
    team_id = data.assignee_team_id or await _team_id(row["suggested_team"])
    fields = {
        "customer_id": customer_id,
        "title": data.title or (row["subject"] or "").strip()[:500] or "(no subject)",
        "description": row["body"] if data.description is None else data.description,
        "priority": data.priority or row["suggested_priority"] or "normal",
        "category": data.category if data.category is not None else row["suggested_category"],
        "assignee_team_id": team_id,
        "assignee_technician_id": data.assignee_technician_id,
        "source": "email",
        "source_ref": (row["message_id"] or row["intake_key"])[:500],
        "arrived_at": row["received_at"],
    }
    task = await tasks.create_task(
        hub, msgspec.convert(fields, TaskCreate), actor, intake_key=row["intake_key"]
    )
    if row["message_id"] and row["from_addr"]:
        await add_inbound(
            hub,
            task.id,
            sender=row["from_addr"],
            body=row["body"],
            message_id=row["message_id"],
            attachments=_list(row["attachments"]),
            at=row["received_at"],
        )
    async with write_transaction():
        await InboxMail.update(
            {
                InboxMail.task: task.id,
                InboxMail.status: "converted",
                InboxMail.customer: customer_id,
                InboxMail.updated_at: datetime.now(UTC),
            }
        ).where(InboxMail.id == item_id)
    return ConvertResult(created=True, item_id=item_id, task=to_out(await load_row(task.id)))


async def list_outbox(status: str | None, limit: int = 100) -> list[OutboxEntry]:
    query = Outbox.select().order_by(Outbox.id, ascending=False).limit(max(1, min(limit, 500)))
    if status:
        query = query.where(Outbox.status == status)
    return [
        OutboxEntry(
            id=r["id"],
            key=r["key"],
            status=r["status"],
            task_id=r["task_id"],
            message_id=r["message_id"],
            recipients=_list(r["recipients"]),
            subject=r["subject"],
            attempts=r["attempts"],
            last_error=r["last_error"],
            created_at=r["created_at"],
            sent_at=r["sent_at"],
        )
        for r in await query
    ]
