"""Submitting a request: validate, store attachments, publish on ``hub.in.portal``.

The page or API answers only after JetStream acknowledged the submission; the intake
consumer (:mod:`plugins.portal.intake`) turns it into a task. The submission id is the
task's intake key, so a double-clicked form or a client retry makes one task.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import msgspec

from hub.errors import BadRequest
from hub.files import ContentStore
from hub.runtime import Hub
from plugins.portal.files import AttachmentRef, safe_filename
from plugins.portal.sessions import PortalUser
from plugins.portal.settings import PortalSettings

SUBJECT = "hub.in.portal"
_CLIENT_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_SUBJECT = 200
MAX_DESCRIPTION = 20_000
MAX_AFFECTED = 200


class Submission(msgspec.Struct, kw_only=True):
    """What travels on ``hub.in.portal``."""

    submission_id: str
    contact_id: int
    customer_id: int
    contact_email: str
    subject: str
    description: str
    priority: str
    category: str
    affected: str = ""
    attachments: list[AttachmentRef] = msgspec.field(default_factory=list)
    submitted_at: datetime


class Upload(msgspec.Struct, kw_only=True):
    filename: str
    content_type: str
    data: bytes


class FieldErrors(BadRequest):
    """Invalid input; ``errors`` maps each field to a message shown next to it."""

    def __init__(self, errors: dict[str, str]) -> None:
        summary = "; ".join(f"{k}: {v}" for k, v in errors.items())
        super().__init__(f"please correct the request: {summary}", errors=errors)
        self.errors = errors


def new_client_id() -> str:
    """The id a form carries so that submitting it twice makes one request."""
    return uuid.uuid4().hex


def submission_id_for(user: PortalUser, client_id: str | None) -> str:
    """The intake key: scoped to the contact, so no one can collide with another's id."""
    if client_id is not None and not _CLIENT_ID.fullmatch(client_id):
        raise FieldErrors({"submission_id": "must be 32 lower-case hex characters"})
    return f"portal-{user.contact_id}-{client_id or new_client_id()}"


def check_fields(
    settings: PortalSettings,
    allowed: list[str],
    *,
    subject: str,
    description: str,
    priority: str,
    category: str,
    affected: str,
) -> dict[str, str]:
    """Field-by-field errors (empty when the request is valid)."""
    errors: dict[str, str] = {}
    if not subject.strip():
        errors["subject"] = "Enter a short subject."
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = f"Keep the subject under {MAX_SUBJECT} characters."
    if not description.strip():
        errors["description"] = "Describe the problem or what you need."
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Keep the description under {MAX_DESCRIPTION} characters."
    if priority not in allowed:
        errors["priority"] = "Choose one of: " + ", ".join(allowed) + "."
    if category not in settings.categories:
        errors["category"] = "Choose a category from the list."
    if len(affected) > MAX_AFFECTED:
        errors["affected"] = f"Keep this under {MAX_AFFECTED} characters."
    return errors


def check_uploads(settings: PortalSettings, uploads: list[Upload]) -> str | None:
    """The attachment error message, or None when the files may be stored."""
    files = [u for u in uploads if u.data or u.filename]
    if len(files) > settings.max_attachments:
        return f"Attach at most {settings.max_attachments} files."
    for u in files:
        if not u.data:
            return f"{safe_filename(u.filename)} is empty."
        if len(u.data) > settings.max_attachment_bytes:
            return f"{safe_filename(u.filename)} is larger than {settings.max_attachment_mb} MB."
    return None


def store_uploads(hub: Hub, uploads: list[Upload]) -> list[AttachmentRef]:
    """Write the files (content-addressed) and return their references."""
    store = ContentStore(hub.settings.files_dir)
    refs = []
    for u in uploads:
        if not u.data:
            continue
        refs.append(
            AttachmentRef(
                filename=safe_filename(u.filename),
                content_type=(u.content_type or "application/octet-stream")[:100],
                sha256=store.put(u.data),
                size=len(u.data),
            )
        )
    return refs


async def submit(hub: Hub, submission: Submission) -> int:
    """Publish; returns the stream sequence once JetStream acked (else Unavailable).

    Grouped with submissions of the same moment (one JetStream write for all of them)."""
    return await hub.bus_required.publish_grouped(
        SUBJECT, msgspec.json.encode(submission), key=submission.submission_id
    )


def build_submission(
    user: PortalUser,
    submission_id: str,
    *,
    subject: str,
    description: str,
    priority: str,
    category: str,
    affected: str,
    attachments: list[AttachmentRef],
) -> Submission:
    return Submission(
        submission_id=submission_id,
        contact_id=user.contact_id,
        customer_id=user.customer_id,
        contact_email=user.email,
        subject=subject.strip(),
        description=description.strip(),
        priority=priority,
        category=category,
        affected=affected.strip(),
        attachments=attachments,
        submitted_at=datetime.now(UTC),
    )
