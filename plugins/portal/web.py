"""Shared pieces of the portal pages: who is signed in, forms, errors as pages."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie, UploadFile
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from hub.errors import HubError
from hub.logs import get_logger
from plugins.portal.render import portal_settings, render, security_headers
from plugins.portal.sessions import CSRF_COOKIE, PortalUser, check_form_csrf, current_user
from plugins.portal.submissions import Upload

log = get_logger("plugins.portal.web")

#: notices shown after a redirect (a fixed set: nothing from the URL is echoed)
NOTICES = {
    "submitted": "Thank you: your request was received.",
    "pending": "Thank you: your request was received. It will appear in this list shortly.",
    "replied": "Your reply was added.",
    "resolved": "The request is marked resolved. Reopen it if the problem comes back.",
    "reopened": "The request is open again.",
    "password": "Your password was saved. You can now sign in with it.",
    "signed_out": "You are signed out.",
}

ERROR_TITLES = {
    400: "Something is wrong with that request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "That cannot be done right now",
    413: "Too large",
    429: "Too many attempts",
    503: "Temporarily unavailable",
}


class SignInRequired(Exception):
    """A page needs a signed-in contact; the handler redirects to the sign-in page."""


async def page_user(request: Request[Any, Any, Any]) -> PortalUser:
    user = await current_user(request)
    if user is None:
        raise SignInRequired
    return user


def redirect(path: str, cookies: list[Cookie] | None = None) -> Redirect:
    return Redirect(path, status_code=303, cookies=cookies or [])


async def read_form(request: Request[Any, Any, Any]) -> tuple[dict[str, str], list[Upload]]:
    """Text fields (first value of each) and uploaded files of a form post."""
    form = await request.form()
    fields: dict[str, str] = {}
    uploads: list[Upload] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            uploads.append(
                Upload(
                    filename=value.filename or "", content_type=value.content_type or "", data=data
                )
            )
        elif key not in fields:
            fields[key] = str(value)
    return fields, uploads


def check_session_form(fields: dict[str, str], user: PortalUser) -> None:
    check_form_csrf(fields.get("csrf_token"), user.csrf_token)


def check_anon_form(request: Request[Any, Any, Any], fields: dict[str, str]) -> None:
    check_form_csrf(fields.get("csrf_token"), request.cookies.get(CSRF_COOKIE))


def _error_page(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    try:
        return render(
            request,
            "error.html",
            status_code=status,
            title=ERROR_TITLES.get(status, "Something went wrong"),
            detail=detail,
        )
    except Exception:  # the error page itself must never fail
        log.exception("portal_error_page_failed")
        return Response(detail, status_code=status, media_type="text/plain")


def html_errors() -> dict[Any, Any]:
    """Exception handlers for the page router: errors are pages, not JSON."""

    def sign_in(request: Request[Any, Any, Any], _: SignInRequired) -> Response[Any]:
        settings = portal_settings(request.app.state["hub"])
        return Redirect("/portal/sign-in", status_code=303, headers=security_headers(settings))

    def hub_error(request: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
        status = exc.status_code if 400 <= exc.status_code < 600 else 500
        if status == 404:
            return _error_page(request, 404, "We could not find that page or request.")
        if status >= 500:
            log.warning("portal_unavailable", path=request.url.path, error=exc.detail)
            return _error_page(request, status, "Please try again in a minute.")
        return _error_page(request, status, exc.detail)

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        if exc.status_code == 404:
            return _error_page(request, 404, "We could not find that page or request.")
        return _error_page(request, exc.status_code, str(exc.detail))

    def unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        log.exception("portal_unhandled_error", path=request.url.path, error=repr(exc))
        return _error_page(request, 500, "Something went wrong on our side. Please try again.")

    return {
        SignInRequired: sign_in,
        HubError: hub_error,
        HTTPException: http_error,
        Exception: unexpected,
    }
