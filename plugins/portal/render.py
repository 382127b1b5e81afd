"""Rendering pages: one Jinja2 environment, security headers, cookies, client address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType

from hub.runtime import Hub
from plugins.portal.sessions import COOKIE, CSRF_COOKIE, PortalUser
from plugins.portal.settings import PortalSettings, parse_settings
from plugins.portal.tokens import new_token

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
STATE_KEY = "portal.settings"

STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "waiting_on_customer": "Waiting for you",
    "resolved": "Resolved",
    "closed": "Closed",
}
_env.filters["status_label"] = lambda s: STATUS_LABELS.get(s, s)
_env.filters["when"] = lambda d: d.strftime("%d %b %Y, %H:%M UTC") if d else ""
_env.filters["size"] = lambda n: (
    f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"
)


def portal_settings(hub: Hub) -> PortalSettings:
    """The parsed ``[portal]`` settings (parsed once per hub)."""
    cached = hub.state.get(STATE_KEY)
    if cached is None:
        cached = parse_settings(hub.settings_for("portal"))
        hub.state[STATE_KEY] = cached
    return cached


def security_headers(settings: PortalSettings) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
            f"script-src 'self'; form-action 'self'; frame-ancestors {settings.frame_ancestors}; "
            "base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def session_cookie(settings: PortalSettings, token: str) -> Cookie:
    return Cookie(
        key=COOKIE,
        value=token,
        path="/portal",
        max_age=settings.session_days * 86400,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )


def clear_session_cookie(settings: PortalSettings) -> Cookie:
    return Cookie(
        key=COOKIE,
        value="",
        path="/portal",
        max_age=0,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )


def anon_csrf(request: Request[Any, Any, Any]) -> tuple[str, Cookie | None]:
    """The signed-out CSRF token (double-submit cookie); a new cookie when absent."""
    value = request.cookies.get(CSRF_COOKIE)
    if value and 20 <= len(value) <= 100:
        return value, None
    value = new_token()
    settings = portal_settings(request.app.state["hub"])
    cookie = Cookie(
        key=CSRF_COOKIE,
        value=value,
        path="/portal",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    return value, cookie


def client_address(request: Request[Any, Any, Any], settings: PortalSettings) -> str:
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return (request.client.host if request.client else "unknown")[:64]


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    user: PortalUser | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """A full HTML page, with the MSP's branding and the portal's security headers."""
    hub: Hub = request.app.state["hub"]
    settings = portal_settings(hub)
    csrf = context.pop("csrf", None) or (user.csrf_token if user else None)
    html = _env.get_template(template).render(
        settings=settings, user=user, csrf=csrf, path=request.url.path, **context
    )
    return Response(
        html,
        media_type=MediaType.HTML,
        status_code=status_code,
        cookies=cookies or [],
        headers={**security_headers(settings), **(headers or {})},
    )
