"""Smart Inbox API, mounted under ``/api/v1`` (bearer keys, any role).

* ``GET /inbox`` — triaged mail (filters: status, customer_id, team, unmatched);
* ``GET /inbox/quarantine`` — mail that could not be used, with the reason;
* ``GET /inbox/outbox`` — outbound mail and its delivery state;
* ``GET /inbox/{id}`` — one item with text, quoted history, signature, attachments;
* ``POST /inbox/{id}/convert`` — one call to a task (idempotent);
* ``POST /inbox/{id}/reply`` — convert if needed, then answer the customer;
* ``POST /tasks/{id}/reply`` — answer the customer of a task by mail.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from hub.api.deps import actor_of
from hub.auth import ANY_ROLE
from hub.runtime import Hub
from plugins.inbox import inbox_service, replies
from plugins.inbox.config import InboxSettings, load_inbox_settings
from plugins.inbox.schemas import (
    ConvertRequest,
    ConvertResult,
    InboxItemDetail,
    InboxPage,
    OutboxEntry,
    ReplyRequest,
    ReplyResult,
)

STATE_KEY = "inbox.settings"


def settings_of(hub: Hub) -> InboxSettings:
    cfg = hub.state.get(STATE_KEY)
    if cfg is None:
        cfg = hub.state[STATE_KEY] = load_inbox_settings(hub.settings_for("inbox"))
    return cfg


class InboxController(Controller):
    path = "/inbox"
    tags = ["inbox"]
    guards = [ANY_ROLE]

    @get(operation_id="listInbox")
    async def list_inbox(
        self,
        status: FromQuery[str] = "inbox",
        customer_id: FromQuery[int | None] = None,
        team: FromQuery[str | None] = None,
        unmatched: FromQuery[bool | None] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
    ) -> InboxPage:
        """Triaged mail, newest first: sender, customer, suggested priority and reasons.

        ``status`` is ``inbox`` (held, the default), ``converted``, ``threaded``,
        ``noise``, ``rate_limited``, ``quarantined`` or ``all``."""
        return await inbox_service.list_items(
            status=status,
            customer_id=customer_id,
            team=team,
            unmatched=unmatched,
            limit=limit,
            offset=offset,
        )

    @get("/quarantine", operation_id="listInboxQuarantine")
    async def quarantine(self, limit: FromQuery[int] = 50, offset: FromQuery[int] = 0) -> InboxPage:
        """Mail kept but not usable (unparseable or failed processing), with the reason."""
        return await inbox_service.list_items(status="quarantined", limit=limit, offset=offset)

    @get("/outbox", operation_id="listInboxOutbox")
    async def outbox(
        self, status: FromQuery[str | None] = None, limit: FromQuery[int] = 100
    ) -> list[OutboxEntry]:
        """Outbound mail (replies and other plugins' mail) with delivery status."""
        return await inbox_service.list_outbox(status, limit)

    @get("/{item_id:int}", operation_id="getInboxItem")
    async def get_item(self, item_id: FromPath[int]) -> InboxItemDetail:
        """One item with new text, quoted history, signature and attachments."""
        return await inbox_service.get_item(item_id)

    @post("/{item_id:int}/convert", operation_id="convertInboxItem")
    async def convert(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        item_id: FromPath[int],
        data: JSONBody[ConvertRequest | None] = None,
    ) -> Response[ConvertResult]:
        """Turn the item into a task pre-filled from mail and triage (fields override).

        201 when created; 200 with the same task when it was converted before."""
        result = await inbox_service.convert(
            hub, item_id, data or ConvertRequest(), actor_of(request)
        )
        return Response(result, status_code=201 if result.created else 200)

    @post("/{item_id:int}/reply", operation_id="replyInboxItem")
    async def reply(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        item_id: FromPath[int],
        data: JSONBody[ReplyRequest],
    ) -> Response[ReplyResult]:
        """Answer the sender: the item becomes a task first (so the answer threads)."""
        actor = actor_of(request)
        converted = await inbox_service.convert(hub, item_id, ConvertRequest(), actor)
        result = await replies.reply_to_task(hub, settings_of(hub), converted.task.id, data, actor)
        return Response(result, status_code=200 if result.duplicate else 202)


@post("/tasks/{task_id:int}/reply", operation_id="replyTask", guards=[ANY_ROLE], tags=["inbox"])
async def reply_task(
    request: Request[Any, Any, Any],
    hub: NamedDependency[Hub],
    task_id: FromPath[int],
    data: JSONBody[ReplyRequest],
) -> Response[ReplyResult]:
    """Mail the customer from a task; stored as an outbound public message (stops the
    first-response clock). 202: queued for the relay (see ``GET /inbox/outbox``)."""
    result = await replies.reply_to_task(hub, settings_of(hub), task_id, data, actor_of(request))
    return Response(result, status_code=200 if result.duplicate else 202)


ROUTES = [InboxController, reply_task]
