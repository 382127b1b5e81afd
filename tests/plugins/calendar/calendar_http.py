"""Helpers for the calendar's HTTP tests: the small MSP plus calendar calls, ical.js."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

JS_DIR = Path(__file__).parent / "js"
API = "/api/v1/calendar"


def iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def next_weekday(weekday: int, weeks_ahead: int = 1) -> datetime:
    """Midnight UTC of the given weekday (0 = Monday) some weeks from now."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


async def created(client: AsyncClient, path: str, body: dict[str, Any], h: dict[str, str]) -> Any:
    r = await client.post(path, json=body, headers=h)
    assert r.status_code == 201, (path, r.status_code, r.text)
    return r.json()


async def entries(client: AsyncClient, kind_path: str, h: dict[str, str]) -> list[Any]:
    r = await client.get(f"{API}/{kind_path}", headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def view(
    client: AsyncClient,
    h: dict[str, str],
    start: datetime | str,
    end: datetime | str,
    **params: Any,
) -> list[dict[str, Any]]:
    r = await client.get(API, params={"from": iso(start), "to": iso(end), **params}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["items"])
    return body["items"]


def run_icaljs(raw: bytes, limit: int = 20) -> dict[str, Any]:
    """What Mozilla's ical.js (a real client's parser) reads from a feed."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: ical.js cross-check skipped")
    if not (JS_DIR / "node_modules" / "ical.js" / "package.json").exists():
        pytest.skip(f"ical.js is not installed: run `npm install --prefix {JS_DIR}`")
    done = subprocess.run(
        [node, str(JS_DIR / "read_feed.mjs"), str(limit)],
        input=raw,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)
