"""The SMTP receiver: accept mail for our mailboxes, make it durable, then say 250.

``handle_DATA`` publishes the raw bytes, unchanged, to ``hub.in.email.inbox`` and answers
``250`` only after JetStream acknowledged them; when NATS is down it answers ``451`` so
the sending server keeps the message and retries. Nothing is ever accepted and then lost.
Mail of sessions that finish at the same moment goes out in one bus message (see
:mod:`hub.bus_groups`): one disk flush in JetStream for all of them.
The same code runs inside ``atlas-hub run`` and as the ``atlas-hub smtp`` edge process.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import ssl
from datetime import UTC, datetime
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from hub.bus import Bus
from hub.bus_groups import HEADER_ROOM
from hub.errors import Unavailable
from hub.logs import get_logger
from plugins.inbox.config import InboxSettings

log = get_logger("plugins.inbox.receiver")
# aiosmtpd logs every SMTP command at INFO: costly at intake rates, and our own events
# (smtp_accepted / smtp_deferred) say what matters
logging.getLogger("mail.log").setLevel(logging.WARNING)

SUBJECT = "hub.in.email.inbox"
H_RECEIVED = "Atlas-Received-At"
H_PEER = "Atlas-Peer"
H_MAIL_FROM = "Atlas-Mail-From"
H_RCPT = "Atlas-Rcpt-To"
H_KEY = "Atlas-Intake-Key"

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.I | re.M)
_ANGLE = re.compile(rb"<([^<>\s]+)>")
_UNSAFE = re.compile(r"[\r\n\x00]")
MAX_KEY = 250


def intake_key(raw: bytes) -> str:
    """The idempotency key: the Message-ID, or ``sha256:<hex>`` of the raw bytes.

    Read from the header block with a regex (no full parse on the SMTP path). Over-long
    ids are hashed so the key fits the unique columns.
    """
    end = _HEADER_END.search(raw)
    head = raw[: end.start()] if end else raw[:65536]
    match = _MESSAGE_ID.search(head)
    if match:
        value = match.group(1)
        angle = _ANGLE.search(value)
        mid = (angle.group(1) if angle else value.strip().split(b" ")[0].strip(b"<>")).decode(
            "utf-8", "replace"
        )
        if mid:
            if len(mid) > MAX_KEY:
                return "sha256:" + hashlib.sha256(mid.encode()).hexdigest()
            return mid
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _header_value(value: str) -> str:
    # NATS headers are line-based; an envelope address must not smuggle a line break.
    return _UNSAFE.sub("", value)[:900]


class InboxHandler:
    """aiosmtpd handler: recipient policy and durable hand-off."""

    def __init__(self, bus: Bus, settings: InboxSettings) -> None:
        self.bus = bus
        self.settings = settings

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: Any
    ) -> str:
        if not self.settings.accepts(address):
            # never an open relay: only our own mailboxes
            return "550 5.7.1 Relaying denied: not a mailbox of this server"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        key = intake_key(raw)
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        headers = {
            H_RECEIVED: datetime.now(UTC).isoformat(),
            H_PEER: _header_value(str(peer)),
            H_MAIL_FROM: _header_value(envelope.mail_from or ""),
            H_RCPT: _header_value(",".join(envelope.rcpt_tos)),
            H_KEY: _header_value(key),
        }
        limit = self.bus.max_payload
        if limit is not None and len(raw) + HEADER_ROOM > limit:
            # a 451 would have the sender retry for days: refuse it for good, with the reason
            log.warning("smtp_too_big_for_bus", key=key, size=len(raw), max_payload=limit)
            return f"552 5.3.4 Message too big for this server (limit {limit - HEADER_ROOM} bytes)"
        try:
            seq = await self.bus.publish_grouped(SUBJECT, raw, key=key, headers=headers)
        except Unavailable as exc:
            log.warning("smtp_deferred", key=key, error=exc.detail)
            return "451 4.3.0 Temporary failure storing the message; try again later"
        log.debug("smtp_accepted", key=key, seq=seq, size=len(raw))
        return f"250 2.0.0 OK queued as {seq}"


def _tls_context(settings: InboxSettings) -> ssl.SSLContext | None:
    if not settings.tls_cert or not settings.tls_key:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(settings.tls_cert, settings.tls_key)
    return ctx


def _authenticator(settings: InboxSettings) -> Any:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = PasswordHasher()

    def check(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user = auth_data.login.decode("utf-8", "replace")
        stored = settings.auth_users.get(user)
        try:
            ok = stored is not None and hasher.verify(stored, auth_data.password)
        except (VerificationError, InvalidHashError):
            ok = False
        return AuthResult(success=bool(ok), handled=False)

    return check


class ReceiverProtocol(SMTP):
    """aiosmtpd's SMTP with our line limit and a cheaper address parser."""

    def __init__(self, handler: Any, *, line_length_limit: int, **kwargs: Any) -> None:
        # aiosmtpd refuses lines over 1,000 bytes; real mail has longer ones (set before
        # SMTP.__init__, which sizes its stream reader with it)
        self.line_length_limit = line_length_limit
        super().__init__(handler, **kwargs)

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        # aiosmtpd 1.4's own version, less the typing.Protocol class it defines on every
        # call (a class creation per MAIL and RCPT: ~8% of the receiver's CPU)
        if not arg:
            return "", ""
        try:
            if arg.lstrip().startswith("<"):
                address, rest = get_angle_addr(arg)
            else:
                address, rest = get_addr_spec(arg)
        except HeaderParseError:
            return None, None
        addr: str = address.addr_spec
        local_part = addr.rpartition("@")[0]
        if self.local_part_limit and len(local_part) > self.local_part_limit:
            return None, None
        return addr, rest


async def start_receiver(
    bus: Bus, settings: InboxSettings, host: str, port: int
) -> asyncio.base_events.Server:
    """Listen on ``host:port`` in the running loop (port 0 picks a free port)."""
    handler = InboxHandler(bus, settings)
    tls = _tls_context(settings)
    limit = settings.max_line_bytes

    def factory() -> SMTP:
        kwargs: dict[str, Any] = {
            "data_size_limit": settings.max_message_bytes,
            "enable_SMTPUTF8": True,
            "decode_data": False,
            "tls_context": tls,
            "require_starttls": settings.require_starttls,
            "auth_required": settings.auth_required,
            # AUTH over plain text only when no TLS is configured at all (loopback set-ups)
            "auth_require_tls": tls is not None,
        }
        if settings.smtp_hostname:
            kwargs["hostname"] = settings.smtp_hostname
        if settings.auth_users:
            kwargs["authenticator"] = _authenticator(settings)
        return ReceiverProtocol(handler, line_length_limit=limit, **kwargs)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host=host, port=port)
    bound = server.sockets[0].getsockname()
    log.info("smtp_listening", host=bound[0], port=bound[1])
    return server
