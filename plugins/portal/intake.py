"""The ``hub.in.portal`` consumer: a submission becomes a task, once.

Each step is idempotent, so a redelivery after a crash between steps completes the
work instead of duplicating it: the task by its intake key, the request row by its
submission id, the opening message by its message id, the mail by its key.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from nats.aio.msg import Msg

from hub.contracts import IntakeConsumer, TriageItem
from hub.db.integrity import is_unique_violation
from hub.db.tables import Contact, Device, Message
from hub.intake import batch_handler
from hub.logs import get_logger
from hub.runtime import Hub
from hub.schemas.tasks import TaskCreate
from hub.services import messages, tasks
from hub.services.context import Actor
from hub.services.triage import route_item
from plugins.portal.mail import confirmation_mail, publish_mail
from plugins.portal.settings import PortalSettings
from plugins.portal.submissions import SUBJECT, Submission
from plugins.portal.tables import PortalRequest

log = get_logger("plugins.portal.intake")


def consumer(hub: Hub, settings_of) -> IntakeConsumer:  # type: ignore[no-untyped-def]
    """The durable consumer the core runs for the portal."""

    async def handle(item: Submission, _msg: Msg) -> None:
        await process(hub, settings_of(hub), item)

    return IntakeConsumer(
        subject=SUBJECT,
        durable="portal-intake",
        handler=batch_handler(hub.bus_required, Submission, handle, name="portal-intake"),
        batch=50,
    )


async def _device_id(customer_id: int, affected: str) -> int | None:
    """The customer's device whose hostname is exactly what the contact typed."""
    name = affected.strip()
    if not name or " " in name:
        return None
    row = (
        await Device.select(Device.id)
        # exact name in the usual spellings; no LIKE, so % or _ typed by a contact is literal
        .where(
            (Device.customer == customer_id)
            & Device.hostname.is_in(list({name, name.lower(), name.upper()}))
        )
        .first()
    )
    return row["id"] if row else None


async def _route(hub: Hub, item: Submission) -> dict[str, int | None]:
    """The team and technician triage routes the request to (none: the review queue).

    The contact's own priority and category stand (they chose them from the tier's
    allowed list); triage only picks the queue, as it does for mail.
    """
    contact = await Contact.select(Contact.vip).where(Contact.id == item.contact_id).first()
    triage_item = TriageItem(
        kind="portal",
        subject=item.subject,
        body=item.description,
        sender=item.contact_email,
        customer_id=item.customer_id,
        contact_id=item.contact_id,
        received_at=item.submitted_at,
    )
    return await route_item(hub.pm, triage_item, vip=bool(contact and contact["vip"]))


def _description(item: Submission) -> str:
    lines = [item.description]
    if item.affected:
        lines.append(f"\nAffected device or user: {item.affected}")
    return "\n".join(lines)


async def process(hub: Hub, settings: PortalSettings, item: Submission) -> int:
    """Create (or find) the task of a submission; returns its id."""
    bound = log.bind(submission_id=item.submission_id, contact_id=item.contact_id)
    actor = Actor(name=f"contact:{item.contact_email}", channel="portal", role="contact")
    # a clock a little ahead on the web process must not make the task "from the future"
    arrived = min(item.submitted_at, datetime.now(UTC))
    existing = await tasks.find_by_intake_key(item.submission_id)
    routed = {} if existing else await _route(hub, item)
    task = (
        existing
        or await tasks.create_task(
            hub,
            TaskCreate(
                customer_id=item.customer_id,
                title=item.subject[:500],
                description=_description(item),
                priority=item.priority,  # type: ignore[arg-type]
                source="portal",
                source_ref=f"portal:{item.contact_email}",
                category=item.category[:64],
                device_id=await _device_id(item.customer_id, item.affected),
                arrived_at=arrived,
                **routed,
            ),
            actor,
            intake_key=item.submission_id,
        )
    )
    if task.customer_id != item.customer_id:
        # only possible with a forged key; never attach a contact to a foreign task
        raise ValueError(f"intake key {item.submission_id} belongs to another customer")
    await _record_request(item, task.id)
    opening_id = f"<{item.submission_id}@portal>"
    if not await Message.exists().where(Message.message_id == opening_id):
        await messages.add_message(
            hub,
            task.id,
            direction="inbound",
            channel="portal",
            author=item.contact_email,
            author_kind="contact",
            body=_description(item),
            public=True,
            actor=actor,
            message_id=opening_id,
            attachments=[msgspec.to_builtins(a) for a in item.attachments],
            at=arrived,
        )
    await publish_mail(
        hub,
        confirmation_mail(settings, item.contact_email, task.id, task.title, item.submission_id),
    )
    bound.info("portal_request_created", task_id=task.id)
    return task.id


async def _record_request(item: Submission, task_id: int) -> None:
    if await PortalRequest.exists().where(PortalRequest.submission_id == item.submission_id):
        return
    try:
        await PortalRequest.insert(
            PortalRequest(
                submission_id=item.submission_id,
                task=task_id,
                contact=item.contact_id,
                customer=item.customer_id,
                affected=item.affected[:200],
                submitted_at=item.submitted_at,
            )
        )
    except Exception as exc:
        if not is_unique_violation(exc):  # a concurrent redelivery wrote it first
            raise
