"""Shared fixtures for the Smart Inbox tests: where the read-only mail corpora live."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from inbox_helpers import RelaySink

from hub.nats_server import free_port

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


@pytest.fixture
def relay() -> Iterator[tuple[RelaySink, int]]:
    """An aiosmtpd sink standing in for the outbound relay: (sink, port)."""
    sink = RelaySink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@pytest.fixture
def plugin_config(relay: tuple[RelaySink, int]) -> dict[str, dict[str, Any]]:
    return {
        "inbox": {
            "accept_addresses": ["support@msp.example"],
            "relay_host": "127.0.0.1",
            "relay_port": relay[1],
            "from_address": "support@msp.example",
            "from_name": "MSP Support",
        }
    }
