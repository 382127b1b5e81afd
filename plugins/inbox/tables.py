"""The inbox's own tables: every received mail (with its outcome) and the outbox.

``InboxMail`` holds one row per distinct inbound message (unique ``intake_key`` =
Message-ID or ``sha256:`` of the raw bytes), whatever became of it: held in the inbox,
converted to a task, threaded into a task, recognised as noise, rate-limited or
quarantined. The raw bytes and attachments live as content-addressed files under
``<home>/files``; the row keeps their digests.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hub.db.tables import Contact, Customer, Task

#: what became of an inbound mail
MAIL_STATUSES = ("inbox", "converted", "threaded", "noise", "rate_limited", "quarantined")


class InboxMail(Table, tablename="inbox_mail"):
    intake_key = Varchar(length=300, unique=True)
    status = Varchar(length=24, index=True)
    received_at = Timestamptz(index=True)
    peer = Varchar(length=200, default="")
    mail_from = Varchar(length=998, default="")
    rcpt_to = JSON(default="[]")
    raw_sha256 = Varchar(length=64)
    raw_size = Integer(default=0)
    message_id = Varchar(length=998, null=True, default=None, index=True)
    in_reply_to = Varchar(length=998, null=True, default=None)
    references = JSON(default="[]")
    subject = Text(default="")
    from_addr = Varchar(length=998, null=True, default=None, index=True)
    from_name = Varchar(length=998, null=True, default=None)
    recipients = JSON(default="[]")
    date_header = Timestamptz(null=True, default=None)
    body = Text(default="")
    quoted = Text(default="")
    signature = Text(default="")
    attachments = JSON(default="[]")
    parse_mode = Varchar(length=16, default="")
    quarantine_reason = Text(default="")
    noise_kind = Varchar(length=16, default="")
    noise_reasons = JSON(default="[]")
    customer = ForeignKey(references=Customer, null=True, on_delete=OnDelete.set_null, index=True)
    contact = ForeignKey(references=Contact, null=True, on_delete=OnDelete.set_null)
    match_method = Varchar(length=16, default="")
    needs_review = Boolean(default=False)
    suggested_priority = Varchar(length=16, default="")
    suggested_team = Varchar(length=120, default="")
    suggested_category = Varchar(length=64, default="")
    reasons = JSON(default="[]")
    triage = JSON(default="{}")
    task = ForeignKey(references=Task, null=True, on_delete=OnDelete.set_null, index=True)
    thread_method = Varchar(length=32, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Outbox(Table, tablename="inbox_outbox"):
    """One outbound mail; ``key`` makes sending idempotent."""

    key = Varchar(length=300, unique=True)
    status = Varchar(length=16, index=True)  # queued | retrying | sent | failed
    task_id = Integer(null=True, default=None, index=True)
    message_id = Varchar(length=998, default="")
    recipients = JSON(default="[]")
    subject = Text(default="")
    payload = Text(default="")
    attempts = Integer(default=0)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


TABLES: list[type[Table]] = [InboxMail, Outbox]
