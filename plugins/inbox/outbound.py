"""Outbound mail: the ``hub.out.mail`` consumer, the relay client and the outbox table.

Any plugin publishes :class:`hub.contracts.OutboundMail` on ``hub.out.mail``; this module
sends it through the configured relay (aiosmtplib) with retries. ``key`` makes sending
idempotent: the outbox row with that key records ``queued -> sent`` (or ``retrying``,
``failed``), and a key already sent is acknowledged without sending again. A crash between
the relay's 250 and the row update can send a mail twice (at-least-once); never zero times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

import aiosmtplib
import msgspec
from nats.aio.msg import Msg

from hub.contracts import OutboundMail
from hub.db.engine import write_transaction
from hub.db.integrity import is_unique_violation
from hub.errors import Unavailable
from hub.files import ContentStore
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.inbox.config import InboxSettings
from plugins.inbox.tables import Outbox
from plugins.inbox.tokens import make_message_id, make_reply_address

log = get_logger("plugins.inbox.outbound")
SUBJECT = "hub.out.mail"
LOOP_HEADER = "X-Atlas-Hub"
_decoder = msgspec.json.Decoder(OutboundMail)


def complete(mail: OutboundMail, settings: InboxSettings, secret: bytes) -> OutboundMail:
    """Fill in our signed Message-ID and reply token where the publisher left them out."""
    mid = mail.message_id
    if not mid:
        mid = (
            make_message_id(mail.task_id, secret, settings.mid_domain)
            if mail.task_id is not None
            else make_msgid(domain=settings.mid_domain)
        )
    reply_to = mail.reply_to
    if reply_to is None and mail.task_id is not None:
        reply_to = make_reply_address(mail.task_id, secret, settings.from_address)
    return msgspec.structs.replace(mail, message_id=mid, reply_to=reply_to)


def compose(mail: OutboundMail, settings: InboxSettings, store: ContentStore) -> EmailMessage:
    """The MIME message for a completed :class:`OutboundMail`."""
    msg = EmailMessage()
    msg["From"] = formataddr((settings.from_name, settings.from_address))
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = mail.message_id or make_msgid(domain=settings.mid_domain)
    if mail.in_reply_to:
        msg["In-Reply-To"] = _angle(mail.in_reply_to)
    refs = [_angle(r) for r in mail.references if r]
    if refs:
        msg["References"] = " ".join(refs[-20:])
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.auto_submitted:
        msg["Auto-Submitted"] = mail.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
    # seen again on inbound mail, this header means a loop (plugins.inbox.autoreply)
    msg[LOOP_HEADER] = settings.mid_domain
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    for att in mail.attachments:
        maintype, _, subtype = att.content_type.partition("/")
        msg.add_attachment(
            store.open(att.sha256),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=att.filename,
        )
    return msg


def _angle(mid: str) -> str:
    mid = mid.strip()
    return mid if mid.startswith("<") else f"<{mid}>"


async def record_queued(mail: OutboundMail) -> None:
    """Create the outbox row for ``mail`` (status ``queued``) unless its key exists."""
    row = Outbox(
        key=mail.key,
        status="queued",
        task_id=mail.task_id,
        message_id=mail.message_id or "",
        recipients=msgspec.json.encode(mail.to).decode(),
        subject=mail.subject,
        payload=msgspec.json.encode(mail).decode(),
    )
    try:
        async with write_transaction():
            await Outbox.insert(row)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise


async def publish(hub: Hub, mail: OutboundMail) -> None:
    """Queue ``mail`` for sending: outbox row first, then the bus (idempotent by key)."""
    await record_queued(mail)
    await hub.bus_required.publish_durable(
        SUBJECT, msgspec.json.encode(mail), key=f"mail:{mail.key}"
    )


class MailSender:
    """The ``inbox-outbound`` consumer: one relay connection per message, with retries."""

    def __init__(self, hub: Hub, settings: InboxSettings) -> None:
        self.hub = hub
        self.settings = settings
        self.store = ContentStore(hub.settings.files_dir)

    async def handle(self, msgs: Sequence[Msg]) -> None:
        for msg in msgs:
            try:
                mail = _decoder.decode(msg.data)
            except msgspec.DecodeError as exc:
                await self.hub.bus_required.dead_letter(msg, f"undecodable OutboundMail: {exc}")
                continue
            await self._send_one(msg, mail)

    async def _send_one(self, msg: Msg, mail: OutboundMail) -> None:
        bound = log.bind(key=mail.key, task_id=mail.task_id)
        mail = complete(mail, self.settings, self.hub.settings.secret)
        await record_queued(mail)
        row = await Outbox.select(Outbox.status, Outbox.attempts).where(Outbox.key == mail.key)
        if row and row[0]["status"] == "sent":
            await msg.ack()
            return
        attempts = (row[0]["attempts"] if row else 0) + 1
        try:
            await self._relay(mail)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            final = attempts >= self.settings.send_attempts
            await self._mark(mail.key, "failed" if final else "retrying", attempts, error)
            if final:
                bound.error("mail_send_failed", attempts=attempts, error=error)
                await self.hub.bus_required.dead_letter(msg, error)
            else:
                bound.warning("mail_send_retry", attempts=attempts, error=error)
                await msg.nak(delay=min(300.0, 2.0**attempts))
            return
        await self._mark(mail.key, "sent", attempts, "")
        bound.info("mail_sent", to=mail.to, message_id=mail.message_id)
        await msg.ack()

    async def _relay(self, mail: OutboundMail) -> None:
        s = self.settings
        message = await asyncio.to_thread(compose, mail, s, self.store)
        await aiosmtplib.send(
            message,
            sender=s.from_address,
            recipients=mail.to,
            hostname=s.relay_host,
            port=s.relay_port,
            username=s.relay_user,
            password=s.relay_password,
            use_tls=s.relay_tls == "tls",
            start_tls=True if s.relay_tls == "starttls" else False,
            timeout=s.relay_timeout_seconds,
        )

    async def _mark(self, key: str, status: str, attempts: int, error: str) -> None:
        now = datetime.now(UTC)
        values = {
            Outbox.status: status,
            Outbox.attempts: attempts,
            Outbox.last_error: error,
            Outbox.updated_at: now,
        }
        if status == "sent":
            values[Outbox.sent_at] = now
        async with write_transaction():
            await Outbox.update(values).where(Outbox.key == key)


async def republish_queued(hub: Hub, older_than_seconds: float = 60.0) -> int:
    """Publish again outbox rows still ``queued`` (their first publish may have failed)."""
    cutoff = datetime.now(UTC).timestamp() - older_than_seconds
    rows = await Outbox.select(Outbox.payload, Outbox.created_at).where(Outbox.status == "queued")
    count = 0
    for row in rows:
        if row["created_at"].timestamp() > cutoff:
            continue
        mail = _decoder.decode(row["payload"])
        try:
            await hub.bus_required.publish_durable(
                SUBJECT, row["payload"].encode(), key=f"mail:{mail.key}"
            )
        except Unavailable:
            break
        count += 1
    return count
