"""ContentStore: content addressing, dedup, atomic writes, traversal safety."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hub.files import ContentStore, InvalidDigestError


def test_put_open_and_layout(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    digest = store.put(b"hello")
    assert digest == hashlib.sha256(b"hello").hexdigest()
    assert store.path(digest) == tmp_path / digest[:2] / digest[2:4] / digest
    assert store.open(digest) == b"hello"
    assert store.exists(digest)


def test_same_bytes_are_stored_once(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    assert store.put(b"logo") == store.put(b"logo")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1  # no temp files left behind either


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "ab/../../x", "A" * 64, "0" * 63, "", "/" + "0" * 63]
)
def test_non_digests_are_rejected(tmp_path: Path, bad: str) -> None:
    store = ContentStore(tmp_path)
    with pytest.raises(InvalidDigestError):
        store.open(bad)
    assert store.exists(bad) is False


def test_missing_blob_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ContentStore(tmp_path).open("0" * 64)


def test_a_batch_is_made_durable_with_one_syncfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub import files

    if files._syncfs is None:
        pytest.skip("syncfs is Linux-only")
    calls: list[int] = []
    real = files._syncfs

    def recording(fd: int) -> int:
        calls.append(fd)
        return real(fd)

    monkeypatch.setattr(files, "_syncfs", recording)
    store = ContentStore(tmp_path)
    digests = [store.put(f"mail {i}".encode(), sync=False) for i in range(20)]
    store.sync(digests)
    assert len(calls) == 1  # one call for the whole batch, not one per file
    assert [store.open(d) for d in digests] == [f"mail {i}".encode() for i in range(20)]


def test_without_syncfs_every_file_and_folder_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from hub import files

    monkeypatch.setattr(files, "_syncfs", None)
    synced: list[str] = []
    real_fsync = os.fsync

    def recording(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(files.os, "fsync", recording)
    store = ContentStore(tmp_path)
    digests = [store.put(f"file {i}".encode(), sync=False) for i in range(3)]
    assert synced == []  # sync=False: nothing yet
    store.sync(digests)
    expected = {str(store.path(d)) for d in digests} | {str(store.path(d).parent) for d in digests}
    assert set(synced) == expected
