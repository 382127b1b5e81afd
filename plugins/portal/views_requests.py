"""Portal pages for the contact's requests: list, submit, read, reply, resolve/reopen."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from hub.errors import Conflict
from hub.runtime import Hub
from plugins.portal import access, actions
from plugins.portal.priorities import default_priority, priorities_for
from plugins.portal.render import STATIC, portal_settings, render, security_headers
from plugins.portal.sessions import PortalUser
from plugins.portal.submissions import FieldErrors, new_client_id
from plugins.portal.web import NOTICES, check_session_form, page_user, read_form, redirect

FILTERS = {"open": "Open", "done": "Resolved and closed", "all": "All"}


@get("/requests", operation_id="portalRequestsPage", include_in_schema=False)
async def requests_page(
    request: Request[Any, Any, Any],
    status: FromQuery[str] = "open",
    notice: FromQuery[str | None] = None,
) -> Response[Any]:
    """The contact's requests (all of the customer's for a portal admin)."""
    user = await page_user(request)
    status = status if status in FILTERS else "open"
    rows = await access.visible_tasks(user, status)
    return render(
        request,
        "requests.html",
        user=user,
        rows=rows,
        status=status,
        filters=FILTERS,
        notice=NOTICES.get(notice or ""),
    )


async def _new_form(
    request: Request[Any, Any, Any],
    user: PortalUser,
    hub: Hub,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response[Any]:
    settings = portal_settings(hub)
    allowed = await priorities_for(user.customer_id, user.vip)
    values = dict(values or {})
    values.setdefault("priority", default_priority(allowed))
    values.setdefault("submission_id", new_client_id())
    return render(
        request,
        "new_request.html",
        user=user,
        status_code=status,
        values=values,
        errors=errors or {},
        priorities=allowed,
        categories=settings.categories,
        max_mb=settings.max_attachment_mb,
        max_files=settings.max_attachments,
    )


@get("/requests/new", operation_id="portalNewRequestPage", include_in_schema=False)
async def new_request_page(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub]
) -> Response[Any]:
    """The form for a new request; priorities limited to what the customer's tier allows."""
    return await _new_form(request, await page_user(request), hub)


@post("/requests", operation_id="portalSubmitRequest", include_in_schema=False)
async def submit_request(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub]
) -> Response[Any]:
    """Accept the form once JetStream acknowledged it, then show the new request."""
    user = await page_user(request)
    fields, uploads = await read_form(request)
    check_session_form(fields, user)
    try:
        _, task_id = await actions.submit_request(
            hub, portal_settings(hub), user, fields, uploads, fields.get("submission_id")
        )
    except FieldErrors as exc:
        return await _new_form(request, user, hub, values=fields, errors=exc.errors, status=400)
    if task_id is None:
        return redirect("/portal/requests?notice=pending")
    return redirect(f"/portal/requests/{task_id}?notice=submitted")


async def _detail(
    request: Request[Any, Any, Any],
    user: PortalUser,
    hub: Hub,
    task_id: int,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response[Any]:
    task, conversation = await actions.conversation(user, portal_settings(hub), task_id)
    files = [(m, a) for m in conversation for a in m["attachments"]]
    settings = portal_settings(hub)
    return render(
        request,
        "request.html",
        user=user,
        task=task,
        conversation=conversation,
        files=files,
        notice=notice,
        errors=errors or {},
        values=values or {},
        status_code=status,
        max_mb=settings.max_attachment_mb,
    )


@get("/requests/{task_id:int}", operation_id="portalRequestPage", include_in_schema=False)
async def request_page(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    task_id: FromPath[int],
    notice: FromQuery[str | None] = None,
) -> Response[Any]:
    """One request: status, details, the public conversation, attachments, reply form."""
    user = await page_user(request)
    return await _detail(request, user, hub, task_id, notice=NOTICES.get(notice or ""))


@post("/requests/{task_id:int}/reply", operation_id="portalReply", include_in_schema=False)
async def reply(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], task_id: FromPath[int]
) -> Response[Any]:
    """Add the contact's reply (with files); reopens a request waiting on them."""
    user = await page_user(request)
    await access.visible_task(user, task_id)
    fields, uploads = await read_form(request)
    check_session_form(fields, user)
    try:
        await actions.reply(
            hub, portal_settings(hub), user, task_id, fields.get("body", ""), uploads
        )
    except FieldErrors as exc:
        return await _detail(
            request, user, hub, task_id, errors=exc.errors, values=fields, status=400
        )
    except Conflict as exc:
        return await _detail(
            request, user, hub, task_id, errors={"body": exc.detail}, values=fields, status=409
        )
    return redirect(f"/portal/requests/{task_id}?notice=replied#reply")


async def _status_change(
    request: Request[Any, Any, Any], hub: Hub, task_id: int, resolved: bool
) -> Response[Any]:
    user = await page_user(request)
    await access.visible_task(user, task_id)
    fields, _ = await read_form(request)
    check_session_form(fields, user)
    try:
        await actions.change_status(hub, user, task_id, resolved)
    except Conflict as exc:
        return await _detail(request, user, hub, task_id, errors={"status": exc.detail}, status=409)
    notice = "resolved" if resolved else "reopened"
    return redirect(f"/portal/requests/{task_id}?notice={notice}")


@post("/requests/{task_id:int}/resolve", operation_id="portalResolve", include_in_schema=False)
async def resolve(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], task_id: FromPath[int]
) -> Response[Any]:
    """Mark the request resolved (the contact's problem is gone)."""
    return await _status_change(request, hub, task_id, True)


@post("/requests/{task_id:int}/reopen", operation_id="portalReopen", include_in_schema=False)
async def reopen(
    request: Request[Any, Any, Any], hub: NamedDependency[Hub], task_id: FromPath[int]
) -> Response[Any]:
    """Reopen a resolved request."""
    return await _status_change(request, hub, task_id, False)


@get(
    "/requests/{task_id:int}/files/{sha256:str}", operation_id="portalFile", include_in_schema=False
)
async def download(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    task_id: FromPath[int],
    sha256: FromPath[str],
) -> Response[bytes]:
    """A file attached to the request's public conversation (always as a download)."""
    user = await page_user(request)
    ref, data = await actions.attachment(hub, user, task_id, sha256)
    return file_response(hub, ref.filename, data)


def file_response(hub: Hub, filename: str, data: bytes) -> Response[bytes]:
    """Files are sent as downloads, never rendered inline (no stored HTML/XSS)."""
    headers = security_headers(portal_settings(hub))
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return Response(data, media_type="application/octet-stream", headers=headers)


@get("/static/portal.css", operation_id="portalStylesheet", include_in_schema=False)
async def stylesheet() -> Response[bytes]:
    """The portal's only stylesheet (no build step)."""
    return Response(
        (STATIC / "portal.css").read_bytes(),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )


REQUEST_PAGES = [
    requests_page,
    new_request_page,
    submit_request,
    request_page,
    reply,
    resolve,
    reopen,
    download,
    stylesheet,
]
