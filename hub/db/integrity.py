"""Database constraint errors, whichever engine raised them."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from hub.errors import Conflict


def is_unique_violation(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


def is_fk_violation(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc)


@asynccontextmanager
async def unique_as_conflict(what: str) -> AsyncIterator[None]:
    """Turn a unique-constraint failure into a 409 naming ``what``."""
    try:
        yield
    except (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError) as exc:
        if is_unique_violation(exc):
            raise Conflict(f"{what} already exists") from exc
        if is_fk_violation(exc):
            raise Conflict(f"{what}: a referenced record does not exist") from exc
        raise
