"""Subscribable iCalendar feeds: unguessable, revocable tokens and feed rendering.

A token is 256 random bits (``secrets.token_urlsafe(32)``); only its sha256 is stored,
so a leaked database or backup cannot be turned into working feed URLs. Lookup is by
the hash (an index probe: timing reveals nothing about a token that is not already
known) and the found hash is compared again with `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread

from hub.db.tables import Customer, Team, TeamMember, Technician
from hub.errors import BadRequest, Forbidden, NotFound
from hub.logs import get_logger
from hub.plugins import PluginManager
from hub.services.apikeys import Principal
from hub.services.context import Actor
from plugins.calendar import store
from plugins.calendar import tables as t
from plugins.calendar.collect import collect
from plugins.calendar.errors import CalendarError
from plugins.calendar.events import zone
from plugins.calendar.feed import build_feed
from plugins.calendar.schemas import FeedCreated, FeedIn, FeedOut
from plugins.calendar.settings import CalendarSettings

log = get_logger("plugins.calendar.feeds")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_TOUCH_EVERY = timedelta(minutes=5)
_SCOPES: dict[str, Any] = {"technician": Technician, "team": Team, "customer": Customer}


def token_hash(token: str) -> str:
    """sha256 hex of a feed token: what the table stores."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: str) -> str:
    """The site-relative URL of a feed."""
    return f"/calendar/{token}.ics"


def feed_out(row: dict[str, Any]) -> FeedOut:
    """The API view of a feed (never its token)."""
    return FeedOut(
        id=row["id"],
        name=row["name"],
        scope=row["scope"],
        scope_id=row["scope_id"],
        tz=row["tz"],
        kinds=store.decode_list(row["kinds"]),
        prefix=row["prefix"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
    )


async def _may_subscribe(principal: Principal, scope: str, scope_id: int) -> None:
    """Admins may create any feed; technicians their own, their teams' and customers'."""
    if principal.role == "admin" or scope == "customer":
        return
    if scope == "technician" and principal.technician_id == scope_id:
        return
    if scope == "team" and principal.technician_id is not None:
        member = await TeamMember.exists().where(
            TeamMember.team == scope_id, TeamMember.technician == principal.technician_id
        )
        if member:
            return
    raise Forbidden(f"a {principal.role} key may not subscribe to {scope} {scope_id}")


async def create_feed(
    data: FeedIn, principal: Principal, actor: Actor, settings: CalendarSettings
) -> FeedCreated:
    """A new feed; the response is the only place its token ever appears."""
    table = _SCOPES[data.scope]
    target = await table.select().where(table.id == data.scope_id).first()
    if target is None:
        raise BadRequest(f"{data.scope} {data.scope_id} does not exist", field="scope_id")
    await _may_subscribe(principal, data.scope, data.scope_id)
    tz = data.tz or target.get("timezone") or "UTC"
    try:
        zone(tz)
    except CalendarError as exc:
        raise BadRequest(str(exc), field="tz") from exc
    token = secrets.token_urlsafe(32)
    row = t.FeedToken(
        token_hash=token_hash(token),
        prefix=token[:8],
        name=data.name or f"{target['name']} ({data.scope})",
        scope=data.scope,
        scope_id=data.scope_id,
        tz=tz,
        kinds=store.encode_list(sorted(set(data.kinds))),
        created_by=actor.name,
        created_by_technician=principal.technician_id,
    )
    await row.save()
    log.info("calendar_feed_created", feed_id=row.id, scope=data.scope, scope_id=data.scope_id)
    saved = await t.FeedToken.select().where(t.FeedToken.id == row.id).first()
    path = feed_path(token)
    url = settings.base_url.rstrip("/") + path if settings.base_url else None
    return FeedCreated(feed=feed_out(saved), token=token, path=path, url=url)


def _visible(principal: Principal) -> list[Any]:
    f = t.FeedToken
    if principal.role == "admin":
        return []
    return [f.created_by_technician == (principal.technician_id or 0)]


async def list_feeds(principal: Principal) -> list[FeedOut]:
    """Feeds the caller may see: all for admins, their own for technicians."""
    f = t.FeedToken
    query = f.select().order_by(f.id)
    for clause in _visible(principal):
        query = query.where(clause)
    return [feed_out(row) for row in await query]


async def revoke_feed(feed_id: int, principal: Principal) -> FeedOut:
    """Revoke a feed: its URL answers 404 from now on (idempotent)."""
    f = t.FeedToken
    query = f.select().where(f.id == feed_id)
    for clause in _visible(principal):
        query = query.where(clause)
    row = await query.first()
    if row is None:
        raise NotFound("calendar feed", feed_id)
    if row["revoked_at"] is None:
        await f.update({f.revoked_at: datetime.now(UTC)}).where(f.id == feed_id)
        log.info("calendar_feed_revoked", feed_id=feed_id, by=principal.actor)
    return feed_out(await f.select().where(f.id == feed_id).first())


async def find_feed(token: str) -> dict[str, Any] | None:
    """The live feed of `token`, or None (unknown, malformed or revoked alike)."""
    if not _TOKEN.match(token):
        return None
    wanted = token_hash(token)
    f = t.FeedToken
    row = await f.select().where(f.token_hash == wanted).first()
    if row is None or not hmac.compare_digest(row["token_hash"], wanted):
        return None
    if row["revoked_at"] is not None:
        return None
    return row


async def render_feed(
    pm: PluginManager, row: dict[str, Any], settings: CalendarSettings, now: datetime
) -> bytes:
    """The iCalendar text of a feed: every plugin's events for its scope and window."""
    start = now - timedelta(days=settings.feed_past_days)
    end = now + timedelta(days=settings.feed_future_days)
    kinds = store.decode_list(row["kinds"])
    filters: dict[str, Any] = {f"{row['scope']}_id": row["scope_id"], "series": True}
    if kinds:
        filters["kinds"] = kinds
    items = await collect(pm, start, end, filters)
    # Serialising thousands of entries is CPU work: keep the event loop serving.
    body = await anyio.to_thread.run_sync(
        lambda: build_feed(row["name"], items, row["tz"], now=now)
    )
    last = row["last_used_at"]
    if last is None or now - last > _TOUCH_EVERY:
        f = t.FeedToken
        await f.update({f.last_used_at: now}).where(f.id == row["id"])
    return body
