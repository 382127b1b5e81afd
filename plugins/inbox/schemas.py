"""Structs of the Smart Inbox API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from hub.schemas.tasks import Task

Priority = Literal["critical", "high", "normal", "low"]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=1_000_000)]
IdempotencyKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class InboxItem(msgspec.Struct, kw_only=True):
    """One received mail as the inbox lists it."""

    id: int
    status: str
    received_at: datetime
    message_id: str | None
    sender: str | None
    sender_name: str | None
    subject: str
    customer_id: int | None
    customer: str | None
    contact_id: int | None
    match_method: str
    needs_review: bool
    suggested_priority: str
    suggested_team: str
    suggested_category: str
    reasons: list[str]
    task_id: int | None
    thread_method: str
    noise_kind: str
    noise_reasons: list[str]
    quarantine_reason: str
    attachment_count: int


class Attachment(msgspec.Struct, kw_only=True):
    filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool
    content_id: str | None = None


class InboxItemDetail(InboxItem, kw_only=True):
    """An inbox item with its text, quoted history, signature and envelope."""

    body: str
    quoted: str
    signature: str
    attachments: list[Attachment]
    in_reply_to: str | None
    references: list[str]
    recipients: list[str]
    mail_from: str
    rcpt_to: list[str]
    peer: str
    raw_sha256: str
    raw_size: int
    parse_mode: str
    date_header: datetime | None
    triage: dict[str, Any]


class InboxPage(msgspec.Struct, kw_only=True):
    items: list[InboxItem]
    total: int
    limit: int
    offset: int


class ConvertRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Everything is pre-filled from the mail and triage; set a field to override it."""

    customer_id: int | None = None
    priority: Priority | None = None
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=500)] | None = None
    description: str | None = None
    category: str | None = None
    assignee_team_id: int | None = None
    assignee_technician_id: int | None = None


class ConvertResult(msgspec.Struct, kw_only=True):
    created: bool
    item_id: int
    task: Task


class ReplyRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A reply to the customer. ``to`` defaults to the task's last customer mail sender."""

    text: Body
    html: str | None = None
    to: list[Email] | None = None
    subject: str | None = None
    #: set the task to this status after replying (e.g. ``waiting_on_customer``)
    status: Literal["open", "in_progress", "waiting_on_customer", "resolved"] | None = None
    #: the same key twice sends one mail (client retries)
    idempotency_key: IdempotencyKey | None = None


class ReplyResult(msgspec.Struct, kw_only=True):
    task_id: int
    message_id: str
    outbox_key: str
    to: list[str]
    subject: str
    #: queued (on the bus) or pending (bus down: the outbox re-publishes it)
    delivery: str
    duplicate: bool = False


class OutboxEntry(msgspec.Struct, kw_only=True):
    id: int
    key: str
    status: str
    task_id: int | None
    message_id: str
    recipients: list[str]
    subject: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
