"""Mailing technicians' public replies on portal requests to the contact who asked.

Replies sent as mail (channel "email", e.g. ``POST /tasks/{id}/reply`` through the inbox
plugin) are already mailed by the inbox, so only public comments made on other channels
(API, portal, system) are mailed here: one mail per message, remembered in
``portal_reply_notice`` and keyed by the message id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.contracts import TaskEvent
from hub.db.integrity import is_unique_violation
from hub.db.tables import Message, Task
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.portal.mail import publish_mail, reply_mail
from plugins.portal.settings import PortalSettings
from plugins.portal.tables import PortalReplyNotice, PortalRequest

log = get_logger("plugins.portal.notify")
#: messages older than this are not mailed late (e.g. after the plugin was enabled)
_LOOKBACK = timedelta(hours=24)


async def on_message_added(hub: Hub, settings: PortalSettings, event: TaskEvent) -> int:
    """Mail the task's unmailed public technician replies; returns how many were mailed."""
    if event.kind != "message_added" or event.changes.get("direction", [None, None])[1] != (
        "outbound"
    ):
        return 0
    task = (
        await Task.select(Task.id, Task.title, Task.source).where(Task.id == event.task_id).first()
    )
    if task is None or task.get("source") != "portal":
        return 0
    request = (
        await PortalRequest.select(PortalRequest.contact.email.as_alias("email"))
        .where(PortalRequest.task == event.task_id)
        .first()
    )
    if request is None or not request["email"]:
        return 0
    since = datetime.now(UTC) - _LOOKBACK
    rows = (
        await Message.select(Message.id, Message.body)
        .where(
            (Message.task == event.task_id)
            & (Message.direction == "outbound")
            & (Message.public == True)  # noqa: E712
            & (Message.channel != "email")
            & (Message.created_at >= since)
        )
        .order_by(Message.id)
    )
    mailed = 0
    for row in rows:
        if await PortalReplyNotice.exists().where(PortalReplyNotice.message == row["id"]):
            continue
        mail = reply_mail(
            settings, request["email"], task["id"], task["title"], row["id"], row["body"]
        )
        # publish first: if the ack fails the notice is not written and the next event
        # retries; a duplicate publish is dropped by its key
        await publish_mail(hub, mail)
        try:
            await PortalReplyNotice.insert(PortalReplyNotice(message=row["id"]))
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            continue
        mailed += 1
        log.info("portal_reply_mailed", task_id=task["id"], message_id=row["id"])
    return mailed
