"""Walk a parsed MIME tree into text bodies and attachments, tolerating broken structure.

Two walkers share one result type. :func:`walk_modern` uses the ``policy.default`` API
(``get_body``, ``iter_attachments``, ``get_content``) and may raise on real mail (a
multipart part without a boundary inside ``iter_attachments()``, an unknown charset in
``get_content()``). :func:`walk_manual` touches only ``get_payload(decode=True)`` and our
own charset handling, and is what :mod:`plugins.inbox.parsing` falls back to.
"""

from __future__ import annotations

import hashlib
from email.message import Message

import msgspec

from plugins.inbox.charsets import decode_bytes, decode_header_text


class Attachment(msgspec.Struct, frozen=True):
    """One non-body MIME part. ``data`` is the decoded payload; ``sha256`` its hex digest."""

    filename: str | None
    content_type: str
    size: int
    sha256: str
    content_id: str | None
    inline: bool
    data: bytes


class Bodies(msgspec.Struct):
    """What a walker found: the chosen text and HTML bodies and every other part."""

    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = msgspec.field(default_factory=list)
    content_types: list[str] = msgspec.field(default_factory=list)


def content_type(part: Message) -> str:
    """The part's lower-cased content type, read from the raw header.

    Same rules as ``get_content_type()`` but without ``policy.default``'s full header
    parse, which costs ~100 us per call and is called many times per part.
    """
    for name, value in part.raw_items():
        if name.lower() == "content-type":
            ctype = str(value).split(";", 1)[0].strip().lower()
            return ctype if ctype.count("/") == 1 else "text/plain"
    return part.get_default_type()


def _maintype(part: Message) -> str:
    return content_type(part).split("/", 1)[0]


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except (ValueError, IndexError, TypeError):
        return None
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        raw = value[2] if isinstance(value[2], str) else str(value[2])
        return decode_bytes(raw.encode("latin-1", "replace"), value[0] or "utf-8")
    return decode_header_text(str(value))


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError):
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, list):  # message/* parts hold sub-messages
        return b"".join(_message_bytes(m) for m in raw if isinstance(m, Message))
    return b""


def _message_bytes(msg: Message) -> bytes:
    try:
        return msg.as_bytes()
    except (ValueError, TypeError, LookupError, UnicodeError, KeyError):
        return msg.as_string().encode("utf-8", "surrogateescape")


def _content_id(part: Message) -> str | None:
    cid = part.get("content-id")
    if cid is None:
        return None
    return str(cid).strip().strip("<>").strip() or None


def make_attachment(part: Message) -> Attachment:
    """Build an :class:`Attachment` from a leaf or message/* part."""
    ctype = content_type(part)
    data = _message_bytes(part.get_payload(0)) if _is_message(part) else _payload_bytes(part)
    filename = _param(part, "filename", "content-disposition") or _param(part, "name")
    disposition = (part.get_content_disposition() or "").lower()
    return Attachment(
        filename=filename,
        content_type=ctype,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_id=_content_id(part),
        inline=disposition == "inline" or (disposition == "" and _content_id(part) is not None),
        data=data,
    )


def _is_message(part: Message) -> bool:
    if _maintype(part) != "message" or not part.is_multipart():
        return False
    payload = part.get_payload()
    return isinstance(payload, list) and bool(payload) and isinstance(payload[0], Message)


def part_text(part: Message) -> str:
    """Decode a text part with our charset fallbacks."""
    return decode_bytes(_payload_bytes(part), part.get_content_charset())


def _is_body_candidate(part: Message) -> bool:
    if content_type(part) not in ("text/plain", "text/html"):
        return False
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return False
    # A named inline text part is a file the sender attached, not the message.
    return not (disposition == "inline" and _param(part, "filename", "content-disposition"))


def _tree_types(msg: Message) -> list[str]:
    """Content types of every part, containers included, not descending into message/*."""
    types: list[str] = []
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop(0)
        types.append(content_type(part))
        if not _is_message(part) and part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [p for p in payload if isinstance(p, Message)]
    return types


def _leaves(msg: Message) -> list[Message]:
    """Leaf parts and message/* parts, depth first, not descending into message/*."""
    found: list[Message] = []
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop(0)
        if not _is_message(part) and part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [p for p in payload if isinstance(p, Message)]
            continue
        found.append(part)
    return found


def walk_manual(msg: Message) -> Bodies:
    """Walk any message tree without the ``policy.default`` content manager."""
    bodies = Bodies()
    stack: list[Message] = [msg]
    while stack:
        part = stack.pop(0)
        ctype = content_type(part)
        bodies.content_types.append(ctype)
        if _is_message(part):
            bodies.attachments.append(make_attachment(part))
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack[0:0] = [p for p in payload if isinstance(p, Message)]
            continue
        if _is_body_candidate(part):
            if ctype == "text/plain" and bodies.text is None:
                bodies.text = part_text(part)
                continue
            if ctype == "text/html" and bodies.html is None:
                bodies.html = part_text(part)
                continue
        bodies.attachments.append(make_attachment(part))
    return bodies


def salvage_text(msg: Message) -> str:
    """Recover readable text from a message whose multipart structure is broken.

    Handles a multipart type whose boundary never appears (the parser then keeps the whole
    body as preamble) and a multipart part that lost its boundary parameter (a leaf with
    a multipart type).
    """
    for part in msg.walk():
        if _maintype(part) != "multipart":
            continue
        if part.is_multipart():
            if not part.get_payload():
                text = "\n".join(t for t in (part.preamble, part.epilogue) if t)
                if text.strip():
                    return text
            continue
        text = part_text(part)
        if text.strip():
            return text
    return ""


def _content_text(part: Message) -> str:
    """``get_content()`` (raises on unknown charsets), redone by hand if it had to guess."""
    text = str(part.get_content())  # type: ignore[attr-defined]
    # policy.default decodes with errors="replace": 8-bit UTF-8 labelled us-ascii turns
    # into U+FFFD. Our decoder tries UTF-8 before giving up.
    return part_text(part) if "\ufffd" in text else text


def walk_modern(msg: Message) -> Bodies:
    """Walk with the ``policy.default`` API; raises where that API raises."""
    from email.message import EmailMessage

    if not isinstance(msg, EmailMessage):
        raise TypeError("walk_modern needs a message parsed with policy.default")
    bodies = Bodies(content_types=_tree_types(msg))
    ctype = content_type(msg)
    if not msg.is_multipart() and ctype in ("text/plain", "text/html"):
        # Most mail is one text part: what get_body() would return is the message itself
        # (unless it is marked as an attachment), and get_body() costs two full
        # Content-Type parses per call.
        if (msg.get_content_disposition() or "").lower() != "attachment":
            if ctype == "text/plain":
                bodies.text = _content_text(msg)
            else:
                bodies.html = _content_text(msg)
            return bodies
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    if plain is not None:
        bodies.text = _content_text(plain)
    if html is not None:
        bodies.html = _content_text(html)
    chosen = {id(p) for p in (plain, html) if p is not None}
    bodies.attachments = [make_attachment(p) for p in _leaves(msg) if id(p) not in chosen]
    return bodies
