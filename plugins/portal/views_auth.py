"""Portal pages for signing in and out and for the contact's password."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from hub.errors import ClientError, Unauthorized
from hub.runtime import Hub
from plugins.portal import actions
from plugins.portal.ratelimit import TooManyAttempts
from plugins.portal.render import (
    anon_csrf,
    clear_session_cookie,
    client_address,
    portal_settings,
    render,
    session_cookie,
)
from plugins.portal.sessions import (
    INVALID_LINK,
    create_session,
    current_user,
    now,
    redeem_login_token,
    revoke_session,
)
from plugins.portal.submissions import FieldErrors
from plugins.portal.tables import PortalLoginToken
from plugins.portal.tokens import token_hash
from plugins.portal.web import (
    NOTICES,
    check_anon_form,
    check_session_form,
    page_user,
    read_form,
    redirect,
)


def _sign_in_page(
    request: Request[Any, Any, Any],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    mode: str = "link",
    notice: str | None = None,
) -> Response[Any]:
    csrf, cookie = anon_csrf(request)
    return render(
        request,
        "sign_in.html",
        status_code=status,
        csrf=csrf,
        cookies=[cookie] if cookie else [],
        errors=errors or {},
        values=values or {},
        mode=mode,
        notice=notice,
    )


@get("/", operation_id="portalHome", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Response[Any]:
    """Send signed-in contacts to their requests, everyone else to the sign-in page."""
    user = await current_user(request)
    return redirect("/portal/requests" if user else "/portal/sign-in")


@get("/sign-in", operation_id="portalSignInPage", include_in_schema=False)
async def sign_in_page(
    request: Request[Any, Any, Any], notice: FromQuery[str | None] = None
) -> Response[Any]:
    """The sign-in page: magic link by mail, or address and password."""
    if await current_user(request):
        return redirect("/portal/requests")
    return _sign_in_page(request, notice=NOTICES.get(notice or ""))


@post("/sign-in", operation_id="portalSignInLink", include_in_schema=False)
async def sign_in_link(request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Response[Any]:
    """Mail a sign-in link; the answer is the same whether the address is known or not."""
    settings = portal_settings(hub)
    fields, _ = await read_form(request)
    email = fields.get("email", "").strip()
    try:
        check_anon_form(request, fields)
        await actions.request_magic_link(hub, settings, email, client_address(request, settings))
    except FieldErrors as exc:
        return _sign_in_page(request, status=400, errors=exc.errors, values=fields)
    except TooManyAttempts as exc:
        return _sign_in_page(request, status=429, errors={"email": exc.detail}, values=fields)
    except ClientError as exc:
        return _sign_in_page(request, status=400, errors={"form": exc.detail}, values=fields)
    return render(request, "sign_in_sent.html", email=email)


@post("/sign-in/password", operation_id="portalSignInPassword", include_in_schema=False)
async def sign_in_password(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub]
) -> Response[Any]:
    """Sign in with address and password (for contacts who set one)."""
    settings = portal_settings(hub)
    fields, _ = await read_form(request)
    values = {"email": fields.get("email", "")}
    try:
        check_anon_form(request, fields)
        contact_id = await actions.password_sign_in(
            settings,
            fields.get("email", ""),
            fields.get("password", ""),
            client_address(request, settings),
        )
    except TooManyAttempts as exc:
        return _sign_in_page(
            request, status=429, errors={"password": exc.detail}, values=values, mode="password"
        )
    except Unauthorized as exc:
        return _sign_in_page(
            request, status=401, errors={"password": exc.detail}, values=values, mode="password"
        )
    except ClientError as exc:
        return _sign_in_page(
            request, status=400, errors={"form": exc.detail}, values=values, mode="password"
        )
    token, _ = await create_session(settings, contact_id, "cookie")
    return redirect("/portal/requests", cookies=[session_cookie(settings, token)])


@get("/auth/{token:str}", operation_id="portalMagicLinkPage", include_in_schema=False)
async def magic_link_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """Where the mailed link lands: a button that signs in.

    The token is used only by the button's POST, so mail scanners that fetch links do
    not burn it.
    """
    csrf, cookie = anon_csrf(request)
    row = None
    if len(token) <= 200:
        row = (
            await PortalLoginToken.select(PortalLoginToken.used_at, PortalLoginToken.expires_at)
            .where(PortalLoginToken.token_hash == token_hash(token))
            .first()
        )
    valid = row is not None and row["used_at"] is None and row["expires_at"] > now()
    return render(
        request,
        "auth_confirm.html",
        status_code=200 if valid else 400,
        csrf=csrf,
        cookies=[cookie] if cookie else [],
        token=token if valid else "",
        invalid=None if valid else INVALID_LINK,
    )


@post("/auth", operation_id="portalMagicLinkSignIn", include_in_schema=False)
async def magic_link_sign_in(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub]
) -> Response[Any]:
    """Use the magic link once and start a session."""
    settings = portal_settings(hub)
    fields, _ = await read_form(request)
    check_anon_form(request, fields)
    await actions.limit_sign_in(settings, None, client_address(request, settings))
    contact_id = await redeem_login_token(fields.get("token", ""))
    token, _ = await create_session(settings, contact_id, "cookie")
    return redirect("/portal/requests", cookies=[session_cookie(settings, token)])


@post("/sign-out", operation_id="portalSignOut", include_in_schema=False)
async def sign_out(request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Response[Any]:
    """End the session (server side too) and clear the cookie."""
    user = await page_user(request)
    fields, _ = await read_form(request)
    check_session_form(fields, user)
    await revoke_session(user.session_id)
    settings = portal_settings(hub)
    return redirect("/portal/sign-in?notice=signed_out", cookies=[clear_session_cookie(settings)])


@get("/account", operation_id="portalAccountPage", include_in_schema=False)
async def account_page(
    request: Request[Any, Any, Any], notice: FromQuery[str | None] = None
) -> Response[Any]:
    """The contact's account: who they are, and a password form."""
    user = await page_user(request)
    return render(request, "account.html", user=user, errors={}, notice=NOTICES.get(notice or ""))


@post("/account/password", operation_id="portalSetPassword", include_in_schema=False)
async def set_password(request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Response[Any]:
    """Set or change the contact's password (signed in by magic link proves the mailbox)."""
    user = await page_user(request)
    fields, _ = await read_form(request)
    check_session_form(fields, user)
    password = fields.get("password", "")
    try:
        if password != fields.get("password_confirm", ""):
            raise FieldErrors({"password_confirm": "The two passwords are not the same."})
        await actions.set_password(portal_settings(hub), user, password)
    except FieldErrors as exc:
        return render(request, "account.html", user=user, errors=exc.errors, status_code=400)
    return redirect("/portal/account?notice=password")


AUTH_PAGES = [
    home,
    sign_in_page,
    sign_in_link,
    sign_in_password,
    magic_link_page,
    magic_link_sign_in,
    sign_out,
    account_page,
    set_password,
]
