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
