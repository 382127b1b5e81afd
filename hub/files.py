"""Files under the home folder: atomic writes and the content-addressed store.

Every channel that keeps files (mail attachments, portal uploads, exported invoices)
uses these, so an upload and a mailed copy of the same file are stored once, under
``<home>/files/ab/cd/<sha256>``.

Writes go to a temporary file in the target folder and are renamed into place, so a
crash never leaves a half-written file under a valid name. Only 64-character lower-case
hex digests name stored blobs, which rules out path traversal by construction.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import itertools
import os
import re
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_DIGEST = re.compile(r"[0-9a-f]{64}")


class InvalidDigestError(ValueError):
    """The key is not a sha256 hex digest (and so cannot name a stored file)."""


_tmp_counter = itertools.count()


def _temporary_name(folder: str, name: str) -> str:
    # unique per process, thread and call: no retry loop or random names (mkstemp's)
    unique = f"{os.getpid()}-{threading.get_ident()}-{next(_tmp_counter)}"
    return f"{folder}/.{name[:16]}.tmp-{unique}"


def write_atomically(
    path: Path | str, data: bytes, *, sync: bool = True, parent_exists: bool = False
) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    With ``sync=False`` the data is not fsynced; the caller syncs later (in a batch, see
    :meth:`ContentStore.sync`). ``parent_exists`` skips creating the folder (the caller
    knows it is there). Plain ``os`` calls: on these machines each system call costs
    ~15 µs, so a file object and ``mkstemp`` were most of a small file's cost.
    """
    folder, name = os.path.split(os.fspath(path))
    if not parent_exists:
        os.makedirs(folder, exist_ok=True)
    tmp_name = _temporary_name(folder, name)
    try:
        fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    if sync:
        _fsync_folder(folder)  # the rename is durable only once its folder is


def _fsync_folder(folder: Path | str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_syncfs() -> Callable[[int], int] | None:
    """Linux's ``syncfs(fd)``: one call makes every file of a file system durable."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return None
    syncfs.argtypes = [ctypes.c_int]
    syncfs.restype = ctypes.c_int
    return syncfs  # type: ignore[no-any-return]


_syncfs = _load_syncfs()
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
        self._root = os.fspath(self.root)

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
        digest = hashlib.sha256(data).hexdigest()  # a valid digest: no need to check it
        target = f"{self._root}/{digest[:2]}/{digest[2:4]}/{digest}"
        if not os.path.exists(target):
            folder = digest[:4]
            write_atomically(target, data, sync=sync, parent_exists=folder in self._folders)
            self._folders.add(folder)
        return digest

    def sync(self, digests: list[str]) -> None:
        """Make the files of ``digests`` durable, contents and names.

        On Linux one ``syncfs`` of the store's file system does it for a whole batch
        (measured here: ~110 µs of CPU per file for open + fsync + close on a thread
        pool, next to nothing for one ``syncfs``); elsewhere each file and each folder
        is fsynced (in parallel: the file system batches them).
        """
        if not digests:
            return
        if _syncfs is not None:
            fd = os.open(self.root, os.O_RDONLY)
            try:
                if _syncfs(fd) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"syncfs {self.root}: {os.strerror(err)}")
            finally:
                os.close(fd)
            return
        paths = {self.path(d) for d in digests}
        targets = [*paths, *{p.parent for p in paths}]
        list(_fsync_pool().map(_fsync_folder, targets))  # a file opens like a folder

    def open(self, sha256: str) -> bytes:
        """Return the stored bytes; FileNotFoundError if absent, InvalidDigestError if bad."""
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        """True if a blob with this digest is stored."""
        try:
            return self.path(sha256).is_file()
        except InvalidDigestError:
            return False
