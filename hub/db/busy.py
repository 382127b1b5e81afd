"""Waiting for SQLite's write lock without blocking the event loop.

The inline engine's connections have ``busy_timeout = 0``: a statement that finds the
database locked by another process fails at once with ``SQLITE_BUSY``, and
:func:`retry_busy` tries it again after an ``asyncio.sleep``, with the pauses SQLite's own
busy handler would sleep, until the engine's timeout.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_SQLITE_BUSY = 5
_SQLITE_BUSY_SNAPSHOT = 517
#: pauses between retries of a busy statement, then the last one repeated (as SQLite's)
_PAUSES = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05, 0.1)


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" that a retry can get past."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # no error code on this Python: read the message
        return "database is locked" in str(exc)
    return code & 0xFF == _SQLITE_BUSY and code != _SQLITE_BUSY_SNAPSHOT


async def retry_busy(fn: Callable[[], T], timeout: float) -> T:
    """``fn()``, again after a pause each time it meets ``SQLITE_BUSY``, for ``timeout`` s.

    ``fn`` must be safe to repeat after a busy failure: a single statement (SQLite undoes
    a statement that failed) or a whole transaction that rolls itself back.
    """
    deadline: float | None = None
    attempt = 0
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            now = time.monotonic()
            deadline = deadline or now + timeout
            if now >= deadline:
                raise
            await asyncio.sleep(_PAUSES[min(attempt, len(_PAUSES) - 1)])
            attempt += 1
