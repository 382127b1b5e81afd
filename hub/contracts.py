"""Types that cross the plugin boundary: hook arguments and return values.

Plugins import these (``from hub.contracts import TaskEvent``); they are plain msgspec
Structs so they encode to JSON for the bus unchanged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec
from nats.aio.msg import Msg

Priority = Literal["critical", "high", "normal", "low"]
PRIORITIES: tuple[Priority, ...] = ("critical", "high", "normal", "low")
Status = Literal["open", "in_progress", "waiting_on_customer", "resolved", "closed"]
STATUSES: tuple[Status, ...] = ("open", "in_progress", "waiting_on_customer", "resolved", "closed")


class TaskEvent(msgspec.Struct, kw_only=True):
    """Something changed on a task (published on ``hub.evt.task.<kind>`` after commit)."""

    kind: str  # created | updated | status_changed | assigned | message_added | ...
    task_id: int
    customer_id: int
    actor: str
    channel: str
    at: datetime
    changes: dict[str, list[Any]] = msgspec.field(default_factory=dict)  # field -> [old, new]
    status: str = ""
    priority: str = ""
    #: the task's source (``manual``, ``email``, ``rmm``, ``portal`` or a plugin's name)
    source: str = ""


class TriageItem(msgspec.Struct, kw_only=True):
    """An inbound item to be triaged (mail, alert, portal request)."""

    kind: Literal["email", "alert", "portal", "manual"]
    subject: str
    body: str
    sender: str = ""
    customer_id: int | None = None
    contact_id: int | None = None
    device: str | None = None
    alert_severity: str | None = None
    received_at: datetime | None = None


class TriageContext(msgspec.Struct, kw_only=True):
    """What the core knows about the item's customer when triage runs."""

    customer_name: str | None = None
    sla_tier: str | None = None
    tier_floor: Priority = "low"
    vip: bool = False
    teams: list[str] = msgspec.field(default_factory=list)


class FieldSuggestion(msgspec.Struct, kw_only=True):
    value: Any
    confidence: float
    reasons: list[str] = msgspec.field(default_factory=list)


class TriageSuggestion(msgspec.Struct, kw_only=True):
    """One plugin's opinion; any field may be left ``None`` (no opinion)."""

    category: FieldSuggestion | None = None
    priority: FieldSuggestion | None = None
    team: FieldSuggestion | None = None
    technician_id: FieldSuggestion | None = None
    model_version: str = ""


class SlaTargetSpec(msgspec.Struct, kw_only=True):
    first_response_minutes: int
    resolution_minutes: int
    coverage: Literal["24x7", "business_hours"] = "business_hours"


class SlaPolicy(msgspec.Struct, kw_only=True):
    """The targets that apply to one task; returned by ``hub_sla_policy``."""

    name: str
    first_response_minutes: int
    resolution_minutes: int
    coverage: Literal["24x7", "business_hours"] = "business_hours"
    calendar_id: int | None = None
    pause_on_waiting: bool = True


class SlaEvent(msgspec.Struct, kw_only=True):
    kind: Literal["warning", "breached"]
    task_id: int
    customer_id: int
    clock: Literal["first_response", "resolution"]
    due_at: datetime
    at: datetime


class TimeRange(msgspec.Struct, kw_only=True):
    start: datetime
    end: datetime


class IntakeConsumer(msgspec.Struct, kw_only=True):
    """A durable consumer a plugin asks the core to run.

    ``handler`` receives a batch of NATS messages and must ``ack()`` each one after its
    effects are committed (or hand it to ``hub.bus.dead_letter``).
    """

    subject: str
    durable: str
    handler: Callable[[Sequence[Msg]], Awaitable[None]]
    batch: int = 100
    #: seconds before an unacknowledged message is redelivered (e.g. after a crash)
    ack_wait: float = 60.0


class Command(msgspec.Struct, kw_only=True):
    """A sub-command of ``atlas-hub`` contributed by a plugin."""

    name: str
    help: str
    configure: Callable[[Any], None]  # receives the argparse sub-parser
    run: Callable[[Any], int]  # receives the parsed arguments; returns the exit code


class MailAttachment(msgspec.Struct, kw_only=True):
    filename: str
    content_type: str
    sha256: str  # content-addressed file under <home>/files (see the inbox plugin)


class OutboundMail(msgspec.Struct, kw_only=True):
    """Mail any plugin asks to send: publish it on ``hub.out.mail``.

    The inbox plugin consumes the subject and sends through the configured relay, with
    retries; ``key`` makes sending idempotent (the same key is sent once).
    """

    key: str
    to: list[str]
    subject: str
    text: str
    html: str | None = None
    task_id: int | None = None
    in_reply_to: str | None = None
    references: list[str] = msgspec.field(default_factory=list)
    #: RFC 3834: "auto-generated" / "auto-replied" for automatic mail, None for a person's
    auto_submitted: str | None = None
    reply_to: str | None = None
    attachments: list[MailAttachment] = msgspec.field(default_factory=list)
    #: our Message-ID to use (the inbox signs it); generated when None
    message_id: str | None = None
