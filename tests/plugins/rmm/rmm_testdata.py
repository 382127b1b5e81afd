"""Shared helpers for the RMM tests: the corpora location and captured POSTs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
CORPORA = Path(os.environ.get("ATLAS_CORPORA", REPO_ROOT.parent / "shared" / "corpora"))
ALERTMANAGER_DIR = CORPORA / "alerts" / "alertmanager-0.25-captured"
ALERTA_DIR = CORPORA / "alerts" / "alerta-tests"


def corpus_dir(path: Path) -> Path:
    """``path`` if present, else skip the test with a clear message."""
    if not path.is_dir():
        pytest.skip(f"alert corpus not found at {path} (set ATLAS_CORPORA)")
    return path


def alerta_payload(name: str) -> dict[str, Any]:
    """One of alerta's recorded webhook bodies, e.g. ``grafana_6``."""
    return json.loads((corpus_dir(ALERTA_DIR) / f"{name}.json").read_text())


def captured_post(number: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Body and headers of Alertmanager capture ``00N``."""
    folder = corpus_dir(ALERTMANAGER_DIR)
    body = json.loads((folder / f"{number:03d}_alertmanager.json").read_text())
    headers: dict[str, str] = {}
    lines = (folder / f"{number:03d}_alertmanager.headers.txt").read_text().splitlines()
    for line in lines[1:]:  # the first line is the request line
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip()] = value.strip()
    return body, headers
