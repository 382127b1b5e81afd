"""Magic-link tokens, server-side sessions, and who is signed in on a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from litestar.connection import ASGIConnection

from hub.db.tables import Contact
from hub.errors import BadRequest, Forbidden, Unauthorized
from hub.schemas.common import normalise_email
from plugins.portal.settings import PortalSettings
from plugins.portal.tables import PortalLoginToken, PortalSession
from plugins.portal.tokens import new_token, same, token_hash

COOKIE = "atlas_portal_session"
CSRF_COOKIE = "atlas_portal_csrf"
CSRF_HEADER = "x-csrf-token"
#: last_seen_at is refreshed at most this often (not one write per request)
_TOUCH_EVERY = timedelta(minutes=5)

INVALID_LINK = "This sign-in link is invalid, expired or already used. Request a new one."


class PortalUser(msgspec.Struct, kw_only=True, frozen=True):
    """The signed-in contact of a request."""

    contact_id: int
    customer_id: int
    email: str
    name: str
    admin: bool
    vip: bool
    session_id: int
    csrf_token: str
    via: str  # cookie | bearer

    @property
    def actor_name(self) -> str:
        return f"contact:{self.email}"


def now() -> datetime:
    return datetime.now(UTC)


async def portal_contact(email: str) -> dict[str, Any] | None:
    """The contact with this address if it may use the portal."""
    row = await Contact.select().where(Contact.email == normalise_email(email)).first()
    if row is None or not row["portal_access"]:
        return None
    return row


async def issue_login_token(settings: PortalSettings, contact_id: int) -> str:
    """A new magic-link token for the contact; only its hash is stored."""
    token = new_token()
    await PortalLoginToken.insert(
        PortalLoginToken(
            token_hash=token_hash(token),
            contact=contact_id,
            created_at=now(),
            expires_at=now() + timedelta(minutes=settings.magic_link_minutes),
            used_at=None,
        )
    )
    return token


async def redeem_login_token(token: str) -> int:
    """Use a magic-link token once; returns the contact id (401 when not usable)."""
    if not token or len(token) > 200:
        raise Unauthorized(INVALID_LINK)
    at = now()
    # one conditional UPDATE: of two concurrent redemptions exactly one gets a row back
    used = (
        await PortalLoginToken.update({PortalLoginToken.used_at: at})
        .where(
            (PortalLoginToken.token_hash == token_hash(token))
            & PortalLoginToken.used_at.is_null()
            & (PortalLoginToken.expires_at > at)
        )
        .returning(PortalLoginToken.contact)
    )
    if not used:
        raise Unauthorized(INVALID_LINK)
    row = used[0]
    contact = (
        await Contact.select(Contact.portal_access).where(Contact.id == row["contact"]).first()
    )
    if contact is None or not contact["portal_access"]:
        raise Unauthorized(INVALID_LINK)
    return int(row["contact"])


async def create_session(settings: PortalSettings, contact_id: int, kind: str) -> tuple[str, str]:
    """A new session for the contact; returns (session token, csrf token)."""
    token, csrf = new_token(), new_token()
    at = now()
    await PortalSession.insert(
        PortalSession(
            token_hash=token_hash(token),
            contact=contact_id,
            csrf_token=csrf,
            kind=kind,
            created_at=at,
            expires_at=at + timedelta(days=settings.session_days),
            last_seen_at=at,
            revoked_at=None,
        )
    )
    return token, csrf


async def revoke_session(session_id: int) -> None:
    await PortalSession.update({PortalSession.revoked_at: now()}).where(
        (PortalSession.id == session_id) & PortalSession.revoked_at.is_null()
    )


def _presented_token(conn: ASGIConnection[Any, Any, Any, Any]) -> tuple[str | None, str]:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), "bearer"
    return conn.cookies.get(COOKIE), "cookie"


async def current_user(conn: ASGIConnection[Any, Any, Any, Any]) -> PortalUser | None:
    """The contact signed in on this request (cookie or bearer token), or None."""
    cached = conn.scope.get("state", {}).get("portal_user")
    if isinstance(cached, PortalUser):
        return cached
    user = await _lookup(conn)
    if user is not None:
        conn.scope.setdefault("state", {})["portal_user"] = user
    return user


async def _lookup(conn: ASGIConnection[Any, Any, Any, Any]) -> PortalUser | None:
    token, via = _presented_token(conn)
    if not token or len(token) > 200:
        return None
    row = (
        await PortalSession.select(
            *PortalSession.all_columns(),
            PortalSession.contact.customer.as_alias("customer_id"),
            PortalSession.contact.email.as_alias("email"),
            PortalSession.contact.name.as_alias("name"),
            PortalSession.contact.portal_admin.as_alias("admin"),
            PortalSession.contact.portal_access.as_alias("access"),
            PortalSession.contact.vip.as_alias("vip"),
        )
        .where(PortalSession.token_hash == token_hash(token))
        .first()
    )
    at = now()
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= at:
        return None
    if not row["access"]:
        return None  # access withdrawn after sign-in: the session dies with it
    if at - row["last_seen_at"] > _TOUCH_EVERY:
        await PortalSession.update({PortalSession.last_seen_at: at}).where(
            PortalSession.id == row["id"]
        )
    return PortalUser(
        contact_id=row["contact"],
        customer_id=row["customer_id"],
        email=row["email"],
        name=row["name"] or "",
        admin=bool(row["admin"]),
        vip=bool(row["vip"]),
        session_id=row["id"],
        csrf_token=row["csrf_token"],
        via=via,
    )


async def require_user(conn: ASGIConnection[Any, Any, Any, Any]) -> PortalUser:
    user = await current_user(conn)
    if user is None:
        raise Unauthorized("sign in to the portal first (session missing or expired)")
    return user


async def signed_in(conn: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
    """Guard: runs before the body is read, so a signed-out caller gets 401, not 400."""
    await require_user(conn)


def check_api_csrf(conn: ASGIConnection[Any, Any, Any, Any], user: PortalUser) -> None:
    """Cookie-authenticated API writes must echo the session's CSRF token in a header.

    Bearer tokens are never sent by a browser on its own, so they need no CSRF token.
    """
    if user.via == "bearer":
        return
    sent = conn.headers.get(CSRF_HEADER, "")
    if not sent or not same(sent, user.csrf_token):
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header (see GET /portal/api/me)")


def check_form_csrf(sent: str | None, expected: str | None) -> None:
    """A form's hidden csrf_token must equal the session's (or the sign-in cookie's)."""
    if not sent or not expected or not same(sent, expected):
        raise BadRequest(
            "the form has expired or was not sent from this site; reload the page and retry",
            field="csrf_token",
        )
