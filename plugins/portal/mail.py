"""Mail the portal sends: magic links, confirmations, technicians' replies.

Every mail is an :class:`hub.contracts.OutboundMail` published on ``hub.out.mail``; the
inbox plugin sends it. ``key`` makes sending idempotent (redelivery sends once).
"""

from __future__ import annotations

import msgspec

from hub.contracts import OutboundMail
from hub.runtime import Hub
from plugins.portal.settings import PortalSettings

SUBJECT = "hub.out.mail"


async def publish_mail(hub: Hub, mail: OutboundMail) -> None:
    """Publish and wait for JetStream's ack (raises hub.errors.Unavailable when none)."""
    await hub.bus_required.publish_durable(SUBJECT, msgspec.json.encode(mail), key=mail.key)


def request_url(settings: PortalSettings, task_id: int) -> str:
    return f"{settings.base_url.rstrip('/')}/portal/requests/{task_id}"


def magic_link_mail(settings: PortalSettings, to: str, link: str, key: str) -> OutboundMail:
    minutes = settings.magic_link_minutes
    text = (
        f"Hello,\n\nUse this link to sign in to the {settings.msp_name} support portal:\n\n"
        f"{link}\n\nThe link works once and expires in {minutes} minutes. If you did not ask "
        f"for it, ignore this mail: nobody can sign in without it.\n\n{settings.msp_name}\n"
    )
    return OutboundMail(
        key=key,
        to=[to],
        subject=f"Your sign-in link for {settings.msp_name}",
        text=text,
        auto_submitted="auto-generated",
    )


def confirmation_mail(
    settings: PortalSettings, to: str, task_id: int, title: str, submission_id: str
) -> OutboundMail:
    text = (
        f"Hello,\n\nwe received your request #{task_id}: {title}\n\n"
        f"Follow it and reply here: {request_url(settings, task_id)}\n\n{settings.msp_name}\n"
    )
    return OutboundMail(
        key=f"portal-confirm:{submission_id}",
        to=[to],
        subject=f"[#{task_id}] Request received: {title}",
        text=text,
        task_id=task_id,
        auto_submitted="auto-replied",
    )


def reply_mail(
    settings: PortalSettings, to: str, task_id: int, title: str, message_id: int, body: str
) -> OutboundMail:
    text = (
        f"{body}\n\n-- \nReply in the portal: {request_url(settings, task_id)}\n"
        f"{settings.msp_name}\n"
    )
    return OutboundMail(
        key=f"portal-reply:{message_id}",
        to=[to],
        subject=f"[#{task_id}] {title}",
        text=text,
        task_id=task_id,
    )
