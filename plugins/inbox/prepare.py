"""The CPU part of intake: decode the bus message, parse, store files, split, classify.

Runs in a worker thread (no database, no event loop), so a slow message does not block
the SMTP receiver sharing the process, and the runner can give up on it after its budget.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from nats.aio.msg import Msg

from hub.files import ContentStore
from plugins.inbox.autoreply import NoiseVerdict, classify_noise
from plugins.inbox.parsing import ParsedMail, Quarantine, parse_message
from plugins.inbox.receiver import H_KEY, H_MAIL_FROM, H_PEER, H_RCPT, H_RECEIVED, intake_key
from plugins.inbox.reply_text import SplitReply, split_reply

MAX_BODY_CHARS = 200_000


class Received(msgspec.Struct, kw_only=True):
    """One raw mail as the SMTP receiver published it."""

    key: str
    raw: bytes
    received_at: datetime
    peer: str = ""
    mail_from: str = ""
    rcpt_to: list[str] = msgspec.field(default_factory=list)


class Prepared(msgspec.Struct, kw_only=True):
    received: Received
    parsed: ParsedMail | None
    quarantine_reason: str
    raw_sha256: str
    split: SplitReply | None
    noise: NoiseVerdict | None
    attachments: list[dict[str, Any]]


def decode(msg: Msg) -> Received:
    """Read the raw bytes and the receiver's headers (tolerating their absence)."""
    headers = msg.headers or {}
    raw = bytes(msg.data)
    received_at: datetime | None = None
    stamp = headers.get(H_RECEIVED)
    if stamp:
        try:
            received_at = datetime.fromisoformat(stamp)
        except ValueError:
            received_at = None
    if received_at is None:
        received_at = msg.metadata.timestamp if msg.metadata else datetime.now(UTC)
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    rcpts = [r for r in (headers.get(H_RCPT) or "").split(",") if r]
    return Received(
        key=headers.get(H_KEY) or intake_key(raw),
        raw=raw,
        received_at=received_at,
        peer=headers.get(H_PEER, ""),
        mail_from=headers.get(H_MAIL_FROM, ""),
        rcpt_to=rcpts,
    )


def prepare(
    received: Received, store: ContentStore, own_addresses: list[str], *, sync: bool = True
) -> Prepared:
    """Parse and store one mail; never raises for bad mail (quarantine instead).

    With ``sync=False`` the files are not fsynced yet (:func:`prepare_many` does it).
    """
    raw_sha = store.put(received.raw, sync=sync)
    result = parse_message(received.raw)
    if isinstance(result, Quarantine):
        return Prepared(
            received=received,
            parsed=None,
            quarantine_reason=result.reason,
            raw_sha256=raw_sha,
            split=None,
            noise=None,
            attachments=[],
        )
    attachments = []
    for part in result.attachments:
        digest = store.put(part.data, sync=sync)
        attachments.append(
            {
                "filename": part.filename or "",
                "content_type": part.content_type,
                "size": part.size,
                "sha256": digest,
                "inline": part.inline,
                "content_id": part.content_id,
            }
        )
    # drop the payload bytes now that they are on disk: rows and logs need digests only
    result.attachments = []
    noise = classify_noise(result, own_addresses=own_addresses)
    # noise is recorded but never shown as a conversation: no need to split it
    split = None if noise.is_noise else split_reply(result.text[:MAX_BODY_CHARS])
    return Prepared(
        received=received,
        parsed=result,
        quarantine_reason="",
        raw_sha256=raw_sha,
        split=split,
        noise=noise,
        attachments=attachments,
    )


def prepare_many(
    items: list[Received], store: ContentStore, own_addresses: list[str]
) -> list[Prepared]:
    """Prepare a batch; every file is on disk (fsynced) when this returns."""
    out = [prepare(r, store, own_addresses, sync=False) for r in items]
    store.sync([d for p in out for d in (p.raw_sha256, *(a["sha256"] for a in p.attachments))])
    return out
