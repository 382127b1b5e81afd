"""Fixtures for triage tests: the real ticket corpus, read where ATLAS_CORPORA points."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CORPORA = Path(os.environ.get("ATLAS_CORPORA", REPO.parent / "shared" / "corpora"))
TICKETS = CORPORA / "tickets" / "it-service-tickets" / "all_tickets_processed_improved_v3.csv"


@pytest.fixture(scope="session")
def tickets_csv() -> Path:
    """Path of the IT service ticket corpus; skips the test when it is absent."""
    if not TICKETS.exists():
        pytest.skip(f"ticket corpus not found at {TICKETS} (set ATLAS_CORPORA)")
    return TICKETS
