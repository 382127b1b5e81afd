"""Signed threading tokens: a reply reaches a task only if it carries our signature.

Threading by a bare task number lets anyone who guesses ``[#1234]`` inject text into
another customer's task. We therefore sign what we hand out:

* Message-IDs of outgoing mail: ``<atlas.t1234.<nonce>.<sig>@domain>``. Replies quote them
  in In-Reply-To / References, so verifying any of those ids yields the task.
* A plus-address reply token, ``support+t1234.<sig>@msp.example``, for providers (Amazon
  SES and others) that replace our Message-ID with their own.

Signatures are HMAC-SHA256 truncated to 80 bits (16 base32 characters, lower case). 80 bits
stop online guessing (2**80 attempts) while keeping the local part of a reply address well
below the 64-character limit. Comparisons use ``hmac.compare_digest``. The subject tag
``[#1234]`` is only a hint for humans and for matching *together with* a verified token or
a known sender; it is never trusted on its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

SIG_CHARS = 16  # base32 characters = 80 bits of the HMAC-SHA256 output


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _sign(secret: str | bytes, purpose: str, payload: str) -> str:
    # The purpose label keeps a Message-ID signature from being valid as an address token.
    mac = hmac.new(_key(secret), f"{purpose}:{payload}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii").lower()[:SIG_CHARS]


def make_message_id(task_id: int, secret: str | bytes, domain: str) -> str:
    """Return a signed Message-ID (with angle brackets) for outgoing mail about a task."""
    nonce = secrets.token_hex(6)
    payload = f"t{int(task_id)}.{nonce}"
    return f"<atlas.{payload}.{_sign(secret, 'mid', payload)}@{domain}>"


_MID = re.compile(
    rf"^atlas\.(t(\d{{1,18}})\.([0-9a-f]{{4,32}}))\.([a-z2-7]{{{SIG_CHARS}}})@[^@\s]+$"
)


def verify_message_id(mid: str | None, secret: str | bytes) -> int | None:
    """Return the task id of a Message-ID we signed, or None (foreign, malformed, tampered)."""
    if not mid:
        return None
    match = _MID.match(mid.strip().strip("<>").strip().lower())
    if not match:
        return None
    expected = _sign(secret, "mid", match.group(1))
    if not hmac.compare_digest(expected, match.group(4)):
        return None
    return int(match.group(2))


def find_task_in_ids(ids: list[str], secret: str | bytes) -> int | None:
    """Return the task of the first verifiable id among In-Reply-To / References values."""
    for mid in ids:
        task_id = verify_message_id(mid, secret)
        if task_id is not None:
            return task_id
    return None


def make_reply_address(task_id: int, secret: str | bytes, mailbox: str) -> str:
    """Return ``local+t<task>.<sig>@domain`` for the mailbox ``local@domain``."""
    local, _, domain = mailbox.rpartition("@")
    if not local or not domain:
        raise ValueError(f"not an email address: {mailbox!r}")
    local = local.split("+", 1)[0]
    payload = f"t{int(task_id)}"
    return f"{local}+{payload}.{_sign(secret, 'addr', payload)}@{domain}"


_ADDR_TAG = re.compile(rf"^t(\d{{1,18}})\.([a-z2-7]{{{SIG_CHARS}}})$")


def parse_reply_address(address: str | None, secret: str | bytes) -> int | None:
    """Return the task id from a signed plus-address, or None if absent or not ours."""
    if not address:
        return None
    local, _, _domain = address.strip().strip("<>").lower().rpartition("@")
    _base, plus, tag = local.partition("+")
    if not plus:
        return None
    match = _ADDR_TAG.match(tag)
    if not match:
        return None
    expected = _sign(secret, "addr", f"t{match.group(1)}")
    if not hmac.compare_digest(expected, match.group(2)):
        return None
    return int(match.group(1))


_SUBJECT_TAG = re.compile(r"\[#(\d{1,18})\]")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|rif|r|tr|odp|res|enc)\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)


def subject_reference(subject: str | None) -> int | None:
    """Return the task number of the first ``[#1234]`` tag in a subject, or None."""
    if not subject:
        return None
    match = _SUBJECT_TAG.search(subject)
    return int(match.group(1)) if match else None


def format_subject(task_id: int, subject: str) -> str:
    """Return ``[#1234] subject`` without duplicating tags or stacking Re:/Fwd: prefixes."""
    clean = _SUBJECT_TAG.sub("", subject)
    clean = re.sub(r"\s{2,}", " ", _REPLY_PREFIX.sub("", clean)).strip()
    return f"[#{int(task_id)}] {clean}".rstrip()
