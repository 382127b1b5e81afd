"""What a contact can do, shared by the pages and the JSON API.

Every function that takes a task id first checks visibility through
:mod:`plugins.portal.access`, so both front ends get the same isolation.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from hub.db.tables import Contact, Message, Task
from hub.errors import Conflict, NotFound, Unauthorized, Unavailable
from hub.files import ContentStore
from hub.logs import get_logger
from hub.runtime import Hub
from hub.services import messages, tasks
from hub.services.context import Actor
from plugins.portal import access
from plugins.portal.files import AttachmentRef
from plugins.portal.mail import magic_link_mail, publish_mail
from plugins.portal.priorities import priorities_for
from plugins.portal.ratelimit import check_and_count
from plugins.portal.sessions import PortalUser, issue_login_token, portal_contact
from plugins.portal.settings import PortalSettings
from plugins.portal.submissions import (
    FieldErrors,
    Upload,
    build_submission,
    check_fields,
    check_uploads,
    store_uploads,
    submission_id_for,
    submit,
)
from plugins.portal.tables import PortalRequest
from plugins.portal.tokens import address_key, hash_password, token_hash, verify_password

log = get_logger("plugins.portal.actions")
BAD_PASSWORD = "The email address or password is not correct."
MAX_REPLY = 20_000


def actor_of(user: PortalUser) -> Actor:
    return Actor(name=user.actor_name, channel="portal", role="contact")


async def limit_sign_in(settings: PortalSettings, email: str | None, ip: str) -> None:
    """Count a sign-in attempt per client address, and per email address when given."""
    limits = [("ip:" + ip, settings.sign_in_per_ip)]
    if email is not None:
        limits.append((address_key(email), settings.sign_in_per_address))
    await check_and_count(settings, *limits)


async def request_magic_link(hub: Hub, settings: PortalSettings, email: str, ip: str) -> None:
    """Rate-limit, then mail a link in the background when the address may sign in.

    The answer does not depend on the address: known and unknown addresses take the
    same path up to here and the lookup and mail happen after the response.
    """
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise FieldErrors({"email": "Enter your email address, like name@example.com."})
    await limit_sign_in(settings, email, ip)
    job = asyncio.create_task(_send_link(hub, settings, email))
    jobs: set[asyncio.Task[None]] = hub.state.setdefault("portal.jobs", set())
    jobs.add(job)
    job.add_done_callback(jobs.discard)


async def _send_link(hub: Hub, settings: PortalSettings, email: str) -> None:
    try:
        contact = await portal_contact(email)
        if contact is None:
            log.info("portal_link_unknown_address")
            return
        token = await issue_login_token(settings, contact["id"])
        key = "portal-link:" + token_hash(token)[:32]
        link = settings.link_for(token)
        await publish_mail(hub, magic_link_mail(settings, contact["email"], link, key))
        log.info("portal_link_sent", contact_id=contact["id"])
    except Exception:
        log.exception("portal_link_failed")


async def password_sign_in(settings: PortalSettings, email: str, password: str, ip: str) -> int:
    """The contact id for a correct address and password (one answer for every failure)."""
    await limit_sign_in(settings, email, ip)
    contact = await portal_contact(email)
    stored = contact["password_hash"] if contact else None
    if not verify_password(stored, password) or contact is None:
        raise Unauthorized(BAD_PASSWORD)
    return int(contact["id"])


async def set_password(settings: PortalSettings, user: PortalUser, password: str) -> None:
    if len(password) < settings.min_password_length:
        raise FieldErrors({"password": f"Use at least {settings.min_password_length} characters."})
    if len(password) > 1000:
        raise FieldErrors({"password": "Use at most 1000 characters."})
    await Contact.update({Contact.password_hash: hash_password(password)}).where(
        Contact.id == user.contact_id
    )


async def wait_for_task(submission_id: str, seconds: float) -> int | None:
    """The task id of a submission once the consumer created it (None after ``seconds``)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        row = await Task.select(Task.id).where(Task.intake_key == submission_id).first()
        if row is not None:
            return int(row["id"])
        if asyncio.get_running_loop().time() >= deadline:
            return None
        await asyncio.sleep(0.1)


async def submit_request(
    hub: Hub,
    settings: PortalSettings,
    user: PortalUser,
    fields: dict[str, str],
    uploads: list[Upload],
    client_id: str | None,
) -> tuple[str, int | None]:
    """Validate, store files, publish; returns (submission id, task id once created).

    Answers only after JetStream acknowledged the submission (503 otherwise). A form
    sent twice with the same client id returns the first submission's task.
    """
    allowed = await priorities_for(user.customer_id, user.vip)
    errors = check_fields(
        settings,
        allowed,
        subject=fields.get("subject", ""),
        description=fields.get("description", ""),
        priority=fields.get("priority", ""),
        category=fields.get("category", ""),
        affected=fields.get("affected", ""),
    )
    upload_error = check_uploads(settings, uploads)
    if upload_error:
        errors["attachments"] = upload_error
    if errors:
        raise FieldErrors(errors)
    submission_id = submission_id_for(user, client_id)
    existing = await submission_task(user, submission_id)
    if existing is not None:
        return submission_id, existing
    submission = build_submission(
        user,
        submission_id,
        subject=fields["subject"],
        description=fields["description"],
        priority=fields["priority"],
        category=fields["category"],
        affected=fields.get("affected", ""),
        attachments=store_uploads(hub, uploads),
    )
    await submit(hub, submission)
    log.info("portal_submission_accepted", submission_id=submission_id, contact_id=user.contact_id)
    return submission_id, await wait_for_task(submission_id, settings.submit_wait_seconds)


async def submission_task(user: PortalUser, submission_id: str) -> int | None:
    """The task of one of the contact's own submissions, or None while pending."""
    row = (
        await PortalRequest.select(PortalRequest.task)
        .where(
            (PortalRequest.submission_id == submission_id)
            & (PortalRequest.contact == user.contact_id)
            & (PortalRequest.customer == user.customer_id)
        )
        .first()
    )
    return int(row["task"]) if row else None


def public_view(message: Any, user: PortalUser, settings: PortalSettings) -> dict[str, Any]:
    """A message as the contact sees it: no internal author names."""
    mine = message.author_kind == "contact" and message.author == user.email
    if message.author_kind == "contact":
        author = "You" if mine else message.author
    else:
        author = f"{settings.msp_name} support"
    return {
        "id": message.id,
        "author": author,
        "from_customer": message.author_kind == "contact",
        "body": message.body,
        "created_at": message.created_at,
        "attachments": [
            msgspec.convert(a, AttachmentRef) for a in message.attachments if "sha256" in a
        ],
    }


async def conversation(
    user: PortalUser, settings: PortalSettings, task_id: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A visible task and its public conversation (internal notes never included)."""
    task = await access.visible_task(user, task_id)
    found = await messages.list_messages(task_id, public_only=True)
    shown = [m for m in found if m.public and m.direction in ("inbound", "outbound")]
    return task, [public_view(m, user, settings) for m in shown]


async def reply(
    hub: Hub,
    settings: PortalSettings,
    user: PortalUser,
    task_id: int,
    body: str,
    uploads: list[Upload],
) -> int:
    """Add the contact's reply; a reply to a resolved request reopens it."""
    task = await access.visible_task(user, task_id)
    errors: dict[str, str] = {}
    if not body.strip():
        errors["body"] = "Write your reply."
    elif len(body) > MAX_REPLY:
        errors["body"] = f"Keep the reply under {MAX_REPLY} characters."
    upload_error = check_uploads(settings, uploads)
    if upload_error:
        errors["attachments"] = upload_error
    if errors:
        raise FieldErrors(errors)
    if task["status"] == "closed":
        raise Conflict("this request is closed; submit a new request instead")
    refs = store_uploads(hub, uploads)
    actor = actor_of(user)
    added = await messages.add_message(
        hub,
        task_id,
        direction="inbound",
        channel="portal",
        author=user.email,
        author_kind="contact",
        body=body.strip(),
        public=True,
        actor=actor,
        attachments=[msgspec.to_builtins(r) for r in refs],
    )
    if task["status"] == "resolved":
        await tasks.set_status(hub, task_id, "open", actor)
    return added.id


async def change_status(hub: Hub, user: PortalUser, task_id: int, resolved: bool) -> str:
    """Mark the request resolved, or reopen a resolved one; returns the new status."""
    task = await access.visible_task(user, task_id)
    status = task["status"]
    if resolved:
        if status in ("resolved", "closed"):
            raise Conflict(f"this request is already {status}")
        target = "resolved"
    else:
        if status != "resolved":
            raise Conflict(
                "only a resolved request can be reopened"
                + ("; this one is closed: submit a new request" if status == "closed" else "")
            )
        target = "open"
    updated = await tasks.set_status(hub, task_id, target, actor_of(user))
    return updated.status


async def attachment(
    hub: Hub, user: PortalUser, task_id: int, sha256: str
) -> tuple[AttachmentRef, bytes]:
    """A file attached to a public message of a visible task."""
    await access.visible_task(user, task_id)
    rows = await Message.select(Message.attachments).where(
        (Message.task == task_id)
        & (Message.public == True)  # noqa: E712
        & (Message.direction != "internal")
    )
    for row in rows:
        for item in msgspec.json.decode(row["attachments"] or "[]"):
            if isinstance(item, dict) and item.get("sha256") == sha256:
                ref = msgspec.convert(item, AttachmentRef)
                try:
                    return ref, ContentStore(hub.settings.files_dir).open(sha256)
                except (OSError, ValueError) as exc:
                    raise Unavailable("the file is not available right now") from exc
    raise NotFound("attachment", sha256[:12])
