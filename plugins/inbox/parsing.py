"""Parse raw inbound mail into a :class:`ParsedMail`, or a :class:`Quarantine` when unusable.

``parse_message`` never raises. It first parses with ``email.policy.default``; real mail
makes that policy raise now and then (a multipart part without a boundary inside
``iter_attachments()``, unknown charset names such as ``iso-gb2312``), so on any exception
it parses again with ``compat32`` and decodes bodies and headers by hand
(:mod:`plugins.inbox.charsets`, :mod:`plugins.inbox.mime_walk`). Input that is not mail at
all (empty, no header block) is quarantined with a reason, never dropped: the caller
keeps the raw bytes under ``raw_sha256``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache

import msgspec

from plugins.inbox.charsets import decode_header_text
from plugins.inbox.html_text import html_to_text
from plugins.inbox.mime_walk import Attachment, Bodies, salvage_text, walk_manual, walk_modern

__all__ = ["Attachment", "ParsedMail", "Quarantine", "parse_message"]


class ParsedMail(msgspec.Struct, kw_only=True):
    """A parsed inbound message; every string is decoded and unfolded.

    ``headers`` maps lower-cased header names to all their decoded values, in order, so
    noise detection (:mod:`plugins.inbox.autoreply`) can read any header.
    ``content_types`` lists every MIME type in the tree (depth first, top first).
    """

    message_id: str
    message_id_synthesised: bool
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_addr: str | None
    from_name: str | None
    to: list[str]
    cc: list[str]
    reply_to: str | None
    date: datetime | None
    text: str
    html: str | None
    attachments: list[Attachment]
    headers: dict[str, list[str]]
    content_types: list[str]
    raw_sha256: str
    parse_mode: str  # "default" or "compat32": which parser produced this

    def header(self, name: str) -> str | None:
        """First decoded value of header ``name`` (case-insensitive), or None."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


class Quarantine(msgspec.Struct, kw_only=True):
    """Input that is not usable mail. Keep the raw bytes under ``raw_sha256`` and report."""

    reason: str
    raw_sha256: str


_MSGID = re.compile(r"<([^<>\s]+)>")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:", re.MULTILINE)
# Headers any real message carries at least one of; used to tell mail from random bytes.
_MAIL_HEADERS = frozenset(
    {"from", "to", "subject", "date", "message-id", "received", "content-type", "return-path",
     "mime-version", "sender", "delivered-to", "x-failed-recipients"}
)  # fmt: skip


def normalise_message_id(value: str | None) -> str | None:
    """Return the first msg-id of a header value without angle brackets, or None."""
    if not value:
        return None
    match = _MSGID.search(value)
    if match:
        return match.group(1)
    token = value.strip().split()
    return token[0].strip("<>") if token and token[0].strip("<>") else None


def _message_ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _MSGID.findall(value)
    return found or [t.strip("<>") for t in value.split() if t.strip("<>")]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """Parse address headers into (decoded name, lower-cased address) pairs."""
    pairs: list[tuple[str, str]] = []
    for name, addr in getaddresses(values):
        addr = addr.strip().strip("<>").lower()
        if (addr and "@" in addr) or addr in ("mailer-daemon", "postmaster"):
            pairs.append((decode_header_text(name), addr))
    return pairs


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # No zone (or -0000, "unknown zone"): UTC is the least wrong reading.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    """Header values as transmitted (still encoded), by lower-cased name."""
    raw: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        text = value if isinstance(value, str) else str(value)
        raw.setdefault(name.lower().strip(), []).append(text)
    return raw


def _looks_like_mail(raw: bytes, msg: Message) -> bool:
    names = {k.lower() for k in msg.keys()}
    return bool(names & _MAIL_HEADERS) and _HEADER_LINE.match(raw.lstrip()) is not None


def _build(raw: bytes, digest: str, msg: Message, bodies: Bodies, mode: str) -> ParsedMail:
    raw_headers = _raw_headers(msg)
    decoded = {k: [decode_header_text(v) for v in vs] for k, vs in raw_headers.items()}

    def first(name: str) -> str | None:
        values = raw_headers.get(name)
        return values[0] if values else None

    senders = _addresses(raw_headers.get("from", [])) or _addresses(raw_headers.get("sender", []))
    from_name, from_addr = senders[0] if senders else (None, None)
    reply_to = _addresses(raw_headers.get("reply-to", []))
    message_id = normalise_message_id(first("message-id"))
    text = bodies.text
    if text is None or (not text.strip() and bodies.html):
        text = html_to_text(bodies.html) if bodies.html else ""
    if not text.strip():
        text = salvage_text(msg)
    return ParsedMail(
        message_id=message_id or f"{digest}@synthesised.atlas-hub.invalid",
        message_id_synthesised=message_id is None,
        in_reply_to=normalise_message_id(first("in-reply-to")),
        references=_message_ids(" ".join(raw_headers.get("references", []))),
        subject=(decoded.get("subject") or [""])[0],
        from_addr=from_addr or None,
        from_name=from_name or None,
        to=[a for _, a in _addresses(raw_headers.get("to", []))],
        cc=[a for _, a in _addresses(raw_headers.get("cc", []))],
        reply_to=reply_to[0][1] if reply_to else None,
        date=_parse_date(first("date")),
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        html=bodies.html,
        attachments=bodies.attachments,
        headers=decoded,
        content_types=bodies.content_types,
        raw_sha256=digest,
        parse_mode=mode,
    )


# A parameter line that lost its folding whitespace ("Content-Type: multipart/x;" then
# "boundary=..." at column 0) hides the boundary; re-indent it before parsing.
_BROKEN_FOLD = re.compile(
    rb"(;[ \t]*)(\r\n|\r|\n)(?=(?i:boundary|charset|name|filename|report-type|type|format)=)"
)
_FIRST_LINE_END = re.compile(rb"\r\n|\r|\n")


def _prepare(raw: bytes) -> bytes:
    # An mbox "From " separator line is not a header; drop it so the headers parse.
    if raw.startswith(b"From "):
        end = _FIRST_LINE_END.search(raw)
        raw = raw[end.end() :] if end else b""
    return _BROKEN_FOLD.sub(rb"\1\2\t", raw)


class _MemoHeaderRegistry(HeaderRegistry):
    """``policy.default``'s header factory, remembering the header objects it built.

    ``policy.default`` re-parses a header every time it is read, and the parser and
    content manager read Content-Type, -Disposition and -Transfer-Encoding many times per
    part (~100 us each). Header objects are immutable and depend only on (name, value), so
    a small shared cache returns the very objects ``policy.default`` would build, once per
    distinct value. A parsed header costs ~10 KB (~100 KB at 300 characters), so only
    short values are kept and the cache is bounded (worst case ~20 MB, typically ~2 MB).
    """

    MAX_CACHED_VALUE = 200
    CACHE_SIZE = 256

    def __init__(self) -> None:
        super().__init__()
        self._memo = lru_cache(maxsize=self.CACHE_SIZE)(super().__call__)

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > self.MAX_CACHED_VALUE:
            return super().__call__(name, value)
        return self._memo(name, value)  # type: ignore[no-any-return]


#: ``policy.default`` semantics exactly, with memoised header objects.
DEFAULT_POLICY = policy.default.clone(header_factory=_MemoHeaderRegistry())


def parse_message(raw: bytes) -> ParsedMail | Quarantine:
    """Parse raw RFC 5322 bytes. Never raises; returns Quarantine for unusable input."""
    digest = hashlib.sha256(raw).hexdigest()
    if not raw or not raw.strip():
        return Quarantine(reason="empty message", raw_sha256=digest)
    raw_for_parse = _prepare(raw)
    try:
        msg = BytesParser(policy=DEFAULT_POLICY).parsebytes(raw_for_parse)
        if not _looks_like_mail(raw_for_parse, msg):
            return Quarantine(reason="no mail header block found", raw_sha256=digest)
        return without_nul(_build(raw, digest, msg, walk_modern(msg), "default"))
    except Exception:
        # policy.default raises many exception types on real mail; compat32 decides.
        pass
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw_for_parse)
        if not _looks_like_mail(raw_for_parse, msg):
            return Quarantine(reason="no mail header block found", raw_sha256=digest)
        return without_nul(_build(raw, digest, msg, walk_manual(msg), "compat32"))
    except Exception as exc:  # last resort: quarantine, never crash intake
        return Quarantine(reason=f"unparseable: {type(exc).__name__}: {exc}", raw_sha256=digest)


def _clean(value: object) -> object:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def without_nul(mail: ParsedMail) -> ParsedMail:
    """Replace U+0000 in every decoded string with U+FFFD.

    Real mail carries NUL bytes now and then (sisimai has three such bounces);
    PostgreSQL text cannot store them. The raw message keeps the original bytes.
    """
    fields = {
        name: _clean(getattr(mail, name))
        for name in (
            "subject",
            "from_name",
            "text",
            "html",
            "headers",
            "in_reply_to",
            "references",
            "reply_to",
            "to",
            "cc",
        )
    }
    return msgspec.structs.replace(mail, **fields)
