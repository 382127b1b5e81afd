"""Attachments, stored content-addressed under ``<home>/files/ab/cd/<sha256>``.

The layout is the one the inbox plugin uses, so a file mailed and uploaded is stored
once. Writes go to a temporary file renamed into place: a crash never leaves a partial
file under a valid name. Only 64-hex digests name files, which rules out path traversal.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import msgspec

_DIGEST = re.compile(r"[0-9a-f]{64}")
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


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _DIGEST.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` once; returns its sha256 hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()
