"""Smart Inbox plugin: SMTP intake, threading, triage hand-off, replies (hook implementations).

See ``plugins/inbox/README.md`` for settings, subjects and routes.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from hub.contracts import Command, IntakeConsumer
from hub.hookspecs import hookimpl
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.inbox import outbound
from plugins.inbox.api import ROUTES, settings_of
from plugins.inbox.edge import COMMAND
from plugins.inbox.intake import InboxIntake
from plugins.inbox.receiver import SUBJECT, start_receiver

log = get_logger("plugins.inbox")
SWEEP_SECONDS = 30.0


async def _sweep_outbox(hub: Hub) -> None:
    """Re-publish replies whose first publish found the bus down."""
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            count = await outbound.republish_queued(hub)
            if count:
                log.info("outbox_republished", count=count)
        except Exception:
            log.exception("outbox_sweep_failed")


@hookimpl
async def hub_startup(hub: Hub) -> None:
    """Validate ``[inbox]``, start the SMTP receiver (unless ``serve_smtp = false`` or this
    is a worker process) and, where intake runs, the outbox sweeper."""
    cfg = settings_of(hub)
    if cfg.serve_smtp and hub.settings.listens:
        smtp = hub.settings.smtp
        server = await start_receiver(hub.bus_required, cfg, smtp.host, smtp.port)
        hub.state["inbox.smtp_server"] = server
        hub.state["inbox.smtp_port"] = server.sockets[0].getsockname()[1]
    if hub.settings.consumes:
        hub.state["inbox.sweeper"] = asyncio.create_task(_sweep_outbox(hub))


@hookimpl
async def hub_shutdown(hub: Hub) -> None:
    """Stop accepting mail first, then the outbox sweeper."""
    server: Any = hub.state.pop("inbox.smtp_server", None)
    if server is not None:
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 3.0)
    sweeper: asyncio.Task[None] | None = hub.state.pop("inbox.sweeper", None)
    if sweeper is not None:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper


@hookimpl
def hub_intake_subjects(hub: Hub) -> list[IntakeConsumer]:
    """Raw mail (``hub.in.email.inbox``) and outbound mail (``hub.out.mail``)."""
    cfg = settings_of(hub)
    intake = InboxIntake(hub, cfg)
    sender = outbound.MailSender(hub, cfg)
    return [
        IntakeConsumer(
            subject=SUBJECT,
            durable="inbox-intake",
            handler=intake.handle,
            batch=cfg.intake_batch,
            # a batch takes well under a second; after a crash, redeliver soon
            ack_wait=20.0,
        ),
        IntakeConsumer(
            subject=outbound.SUBJECT, durable="inbox-outbound", handler=sender.handle, batch=20
        ),
    ]


@hookimpl
def hub_api_routes(hub: Hub) -> list[Any]:
    """``/api/v1/inbox...`` and ``/api/v1/tasks/{id}/reply``."""
    return list(ROUTES)


@hookimpl
def hub_commands() -> list[Command]:
    """``atlas-hub smtp``: the receiver as an edge process."""
    return [COMMAND]
