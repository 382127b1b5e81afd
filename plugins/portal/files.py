"""Uploaded attachments: references and safe names.

The bytes live in the core's content-addressed store (:class:`hub.files.ContentStore`
under ``<home>/files``), shared with the inbox, so a file mailed and uploaded is stored
once.
"""

from __future__ import annotations

import re
import unicodedata

import msgspec

_UNSAFE = re.compile(r"[^\w.\- ()]+")


class AttachmentRef(msgspec.Struct, kw_only=True):
    """An uploaded file as the task's message records it."""

    filename: str
    sha256: str
    content_type: str = "application/octet-stream"
    size: int = 0


def safe_filename(name: str) -> str:
    """A display/download name without paths or control characters (never empty)."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")[:150]
    return cleaned or "attachment"
