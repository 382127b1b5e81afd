"""JSON API for signing in (``/portal/api/auth/...``) and the contact's account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from hub.db.tables import Customer
from hub.runtime import Hub
from plugins.portal import actions
from plugins.portal.api_schemas import (
    Accepted,
    EmailIn,
    ExchangeIn,
    Me,
    PasswordSet,
    PasswordSignIn,
    SessionOut,
)
from plugins.portal.priorities import priorities_for
from plugins.portal.render import client_address, portal_settings
from plugins.portal.sessions import (
    check_api_csrf,
    create_session,
    now,
    redeem_login_token,
    require_user,
    revoke_session,
    signed_in,
)

LINK_SENT = "if the address belongs to a portal account, a sign-in link is on its way"


async def _session(hub: Hub, contact_id: int) -> SessionOut:
    settings = portal_settings(hub)
    token, csrf = await create_session(settings, contact_id, "bearer")
    return SessionOut(
        token=token,
        token_type="bearer",
        expires_at=now() + timedelta(days=settings.session_days),
        csrf_token=csrf,
    )


@post("/auth/magic-link", operation_id="portalApiMagicLink", status_code=HTTP_202_ACCEPTED)
async def magic_link(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[EmailIn]
) -> Accepted:
    """Mail a one-time sign-in link; the same answer for known and unknown addresses."""
    settings = portal_settings(hub)
    await actions.request_magic_link(hub, settings, data.email, client_address(request, settings))
    return Accepted(detail=LINK_SENT)


@post("/auth/exchange", operation_id="portalApiExchange")
async def exchange(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[ExchangeIn]
) -> SessionOut:
    """Trade a magic-link token (once) for a bearer session token."""
    settings = portal_settings(hub)
    await actions.limit_sign_in(settings, None, client_address(request, settings))
    return await _session(hub, await redeem_login_token(data.token))


@post("/auth/password", operation_id="portalApiPasswordSignIn")
async def password_sign_in(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[PasswordSignIn]
) -> SessionOut:
    """Sign in with address and password; returns a bearer session token."""
    settings = portal_settings(hub)
    contact_id = await actions.password_sign_in(
        settings, data.email, data.password, client_address(request, settings)
    )
    return await _session(hub, contact_id)


@post(
    "/auth/sign-out",
    operation_id="portalApiSignOut",
    status_code=HTTP_204_NO_CONTENT,
    guards=[signed_in],
)
async def sign_out(request: Request[Any, Any, Any]) -> None:
    """End the session that authenticated this request."""
    user = await require_user(request)
    check_api_csrf(request, user)
    await revoke_session(user.session_id)


@get("/me", operation_id="portalApiMe", guards=[signed_in])
async def me(request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Me:
    """The signed-in contact, what they may choose, and the session's CSRF token."""
    user = await require_user(request)
    customer = await Customer.select(Customer.name).where(Customer.id == user.customer_id).first()
    return Me(
        contact_id=user.contact_id,
        email=user.email,
        name=user.name,
        customer=customer["name"] if customer else "",
        portal_admin=user.admin,
        allowed_priorities=await priorities_for(user.customer_id, user.vip),
        categories=portal_settings(hub).categories,
        csrf_token=user.csrf_token,
    )


@put(
    "/account/password",
    operation_id="portalApiSetPassword",
    status_code=HTTP_204_NO_CONTENT,
    guards=[signed_in],
)
async def set_password(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: JSONBody[PasswordSet]
) -> None:
    """Set or change the signed-in contact's password."""
    user = await require_user(request)
    check_api_csrf(request, user)
    await actions.set_password(portal_settings(hub), user, data.password)


AUTH_API = [magic_link, exchange, password_sign_in, sign_out, me, set_password]
