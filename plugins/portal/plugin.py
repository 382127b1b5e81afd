"""Client portal plugin: pages under ``/portal/``, JSON API under ``/portal/api/``.

Hooks: ``hub_startup`` (validate settings), ``hub_routes`` (pages and API),
``hub_intake_subjects`` (the ``hub.in.portal`` consumer), ``hub_task_event`` (mail
technicians' replies on portal requests), ``hub_shutdown`` (finish background mails).
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, Router

from hub.contracts import IntakeConsumer, TaskEvent
from hub.errors import HubError
from hub.hookspecs import hookimpl
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.portal.api_auth import AUTH_API
from plugins.portal.api_requests import REQUESTS_API
from plugins.portal.intake import consumer
from plugins.portal.notify import on_message_added
from plugins.portal.render import portal_settings
from plugins.portal.views_auth import AUTH_PAGES
from plugins.portal.views_requests import REQUEST_PAGES
from plugins.portal.web import html_errors

log = get_logger("plugins.portal")


def _api_error(_: Request[Any, Any, Any], exc: HubError) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"status_code": exc.status_code, "detail": exc.detail}
    if exc.extra:
        body["extra"] = exc.extra
    headers = {"Cache-Control": "no-store"}
    if "retry_after_seconds" in exc.extra:
        headers["Retry-After"] = str(exc.extra["retry_after_seconds"])
    return Response(body, status_code=exc.status_code, headers=headers)


@hookimpl
def hub_startup(hub: Hub) -> None:
    """Fail start-up early on a bad ``[portal]`` table."""
    settings = portal_settings(hub)
    log.info("portal_ready", base_url=settings.base_url, secure_cookies=settings.secure_cookies)


@hookimpl
async def hub_shutdown(hub: Hub) -> None:
    jobs = list(hub.state.get("portal.jobs", ()))
    if jobs:
        await asyncio.wait(jobs, timeout=3.0)


@hookimpl
def hub_routes(hub: Hub) -> list[Any]:
    """The pages (HTML errors) and the JSON API (JSON errors, Retry-After on 429)."""
    pages = Router(
        path="/portal",
        route_handlers=[*AUTH_PAGES, *REQUEST_PAGES],
        exception_handlers=html_errors(),
        include_in_schema=False,
    )
    api = Router(
        path="/portal/api",
        route_handlers=[*AUTH_API, *REQUESTS_API],
        exception_handlers={HubError: _api_error},
        tags=["portal"],
    )
    return [pages, api]


@hookimpl
def hub_intake_subjects(hub: Hub) -> list[IntakeConsumer]:
    return [consumer(hub, portal_settings)]


@hookimpl
async def hub_task_event(event: TaskEvent, hub: Hub) -> None:
    """Mail technicians' public, non-mail replies on portal requests to the contact."""
    if event.kind != "message_added":
        return
    await on_message_added(hub, portal_settings(hub), event)
