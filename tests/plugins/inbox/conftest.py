"""Shared fixtures for the Smart Inbox tests: where the read-only mail corpora live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def corpora_root() -> Path:
    """ATLAS_CORPORA, defaulting to <repo root>/../shared/corpora."""
    return Path(os.environ.get("ATLAS_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))


@pytest.fixture(scope="session")
def mail_corpora() -> Path:
    """The mail corpora folder; skips the test when it is not available."""
    root = corpora_root() / "mail"
    if not root.is_dir():
        pytest.skip(f"mail corpora not found at {root} (set ATLAS_CORPORA)")
    return root
