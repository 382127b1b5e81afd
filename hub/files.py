"""Files under the home folder: atomic writes and the content-addressed store.

Every channel that keeps files (mail attachments, portal uploads, exported invoices)
uses these, so an upload and a mailed copy of the same file are stored once, under
``<home>/files/ab/cd/<sha256>``.

Writes go to a temporary file in the target folder and are renamed into place, so a
crash never leaves a half-written file under a valid name. Only 64-character lower-case
hex digests name stored blobs, which rules out path traversal by construction.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_DIGEST = re.compile(r"[0-9a-f]{64}")


class InvalidDigestError(ValueError):
    """The key is not a sha256 hex digest (and so cannot name a stored file)."""


def write_atomically(
    path: Path, data: bytes, *, sync: bool = True, parent_exists: bool = False
) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    With ``sync=False`` the data is not fsynced; the caller fsyncs later (in a batch).
    ``parent_exists`` skips creating the folder (the caller knows it is there).
    """
    if not parent_exists:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:16]}.tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


_FSYNC_WORKERS = 8
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _fsync_pool() -> ThreadPoolExecutor:
    """The process's fsync threads, started once: starting threads for every batch cost
    more than the fsyncs of a small batch. Idle threads cost nothing."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_FSYNC_WORKERS, thread_name_prefix="fsync")
        return _pool


class ContentStore:
    """Store and fetch bytes by their sha256 hex digest."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        #: fan-out folders known to exist (at most 65,536): no mkdir per stored file
        self._folders: set[str] = set()

    def path(self, sha256: str) -> Path:
        """Where the blob for ``sha256`` lives (whether or not it exists).

        Raises InvalidDigestError for anything that is not 64 lower-case hex characters.
        """
        if not isinstance(sha256, str) or not _DIGEST.fullmatch(sha256):
            raise InvalidDigestError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, *, sync: bool = True) -> str:
        """Store ``data`` (once) and return its sha256 hex digest.

        With ``sync=False`` the caller promises to call :meth:`sync` on the digest before
        relying on it (batch writers fsync many files concurrently instead of one by one).
        A concurrent writer of the same digest writes equal bytes, so the race is benign.
        """
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not os.path.exists(target):
            folder = digest[:4]
            write_atomically(target, data, sync=sync, parent_exists=folder in self._folders)
            self._folders.add(folder)
        return digest

    def sync(self, digests: list[str]) -> None:
        """fsync the files of ``digests`` (in parallel: the file system batches them)."""
        paths = {self.path(d) for d in digests}
        if not paths:
            return

        def one(path: Path) -> None:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

        if len(paths) == 1:
            one(next(iter(paths)))
            return
        list(_fsync_pool().map(one, paths))

    def open(self, sha256: str) -> bytes:
        """Return the stored bytes; FileNotFoundError if absent, InvalidDigestError if bad."""
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        """True if a blob with this digest is stored."""
        try:
            return self.path(sha256).is_file()
        except InvalidDigestError:
            return False
