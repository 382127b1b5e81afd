"""Helpers for the inbox integration tests: a relay sink, SMTP sending, polling."""

from __future__ import annotations

import asyncio
import smtplib
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


class RelaySink:
    """aiosmtpd handler standing in for the outbound relay; keeps what it was given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def smtp_port(hub: Any) -> int:
    return int(hub.state["inbox.smtp_port"])


def send_raw(port: int, raw: bytes, *, sender: str, rcpts: list[str]) -> tuple[int, bytes]:
    """Send through a real SMTP client; returns the DATA reply (code, text)."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("client.example")
        code, text = client.mail(sender)
        assert code == 250, (code, text)
        for rcpt in rcpts:
            code, text = client.rcpt(rcpt)
            if code != 250:
                return code, text
        return client.data(raw)


async def rows(**where: Any) -> list[dict[str, Any]]:
    """inbox_mail rows matching ``column=value`` filters, oldest first."""
    from plugins.inbox.tables import InboxMail

    query = InboxMail.select()
    for name, value in where.items():
        query = query.where(getattr(InboxMail, name) == value)
    return await query.order_by(InboxMail.id)


async def deliver(hub: Any, msg: EmailMessage | bytes, rcpts: list[str] | None = None) -> int:
    """Send ``msg`` to the hub's receiver; returns the SMTP reply code of DATA."""
    raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=policy.SMTP)
    sender = "sender@example.org"
    if isinstance(msg, EmailMessage) and msg["From"]:
        sender = msg["From"].addresses[0].addr_spec if msg["From"].addresses else sender
    code, _ = await asyncio.to_thread(
        send_raw, smtp_port(hub), raw, sender=sender, rcpts=rcpts or ["support@msp.example"]
    )
    return code


def mail(
    sender: str,
    subject: str,
    body: str,
    *,
    to: str = "support@msp.example",
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{time.time_ns()}.{abs(hash(subject)) % 10**8}@client.example>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


async def wait_for(predicate: Any, timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
