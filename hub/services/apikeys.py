"""API keys: created once, shown once, stored only as a SHA-256 hash.

Keys are 32 random bytes, so a plain SHA-256 (not a slow password hash) is the right
tool: nothing to brute-force, and verification stays cheap on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Literal

import msgspec

from hub.db.tables import ApiKey, Technician
from hub.errors import BadRequest, NotFound, Unauthorized

Role = Literal["admin", "technician", "integration"]
ROLES: tuple[Role, ...] = ("admin", "technician", "integration")
_CACHE_SECONDS = 30.0


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: resolved from the bearer key."""

    key_id: int
    name: str
    role: Role
    technician_id: int | None = None

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


class CreatedKey(msgspec.Struct, kw_only=True):
    id: int
    name: str
    role: Role
    key: str
    technician_id: int | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(role: str, name: str, technician_id: int | None = None) -> CreatedKey:
    """Create a key; the plaintext is returned here and never again."""
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise BadRequest("name must not be empty")
    if role == "technician":
        if technician_id is None:
            raise BadRequest("a technician key needs the technician it belongs to")
        if not await Technician.exists().where(Technician.id == technician_id):
            raise NotFound("technician", technician_id)
    prefix = secrets.token_hex(4)
    key = f"atl_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        name=name.strip(), role=role, prefix=prefix, key_hash=_hash(key), technician=technician_id
    )
    await row.save()
    return CreatedKey(id=row.id, name=row.name, role=role, key=key, technician_id=technician_id)  # type: ignore[arg-type]


class KeyVerifier:
    """Resolves bearer keys, caching hits briefly so auth costs no query per request.

    A revoked key stops working within ``_CACHE_SECONDS``.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, Principal]] = {}

    def forget(self) -> None:
        self._cache.clear()

    async def verify(self, key: str) -> Principal:
        digest = _hash(key)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit and hit[0] > now:
            return hit[1]
        row = (
            await ApiKey.select(ApiKey.id, ApiKey.name, ApiKey.role, ApiKey.technician)
            .where((ApiKey.key_hash == digest) & ApiKey.revoked_at.is_null())
            .first()
        )
        if row is None:
            self._cache.pop(digest, None)
            raise Unauthorized("invalid or revoked API key")
        principal = Principal(
            key_id=row["id"], name=row["name"], role=row["role"], technician_id=row["technician"]
        )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + _CACHE_SECONDS, principal)
        return principal


async def revoke_key(key_id: int) -> None:
    from datetime import UTC, datetime

    updated = (
        await ApiKey.update({ApiKey.revoked_at: datetime.now(UTC)})
        .where(ApiKey.id == key_id)
        .returning(ApiKey.id)
    )
    if not updated:
        raise NotFound("api key", key_id)
