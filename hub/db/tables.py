"""Core piccolo tables: the service-delivery domain every channel feeds.

Columns are planned up front because SQLite cannot alter a column's type or
nullability in a migration. JSON-shaped values are stored as text and decoded with
msgspec at the service boundary. Times are ``Timestamptz`` (UTC).
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class SlaCalendar(Table, tablename="sla_calendar"):
    """A business-hours calendar (opening hours, time zone, holidays) as JSON spec."""

    name = Varchar(length=120, unique=True)
    spec = JSON(default="{}")
    updated_at = Timestamptz(default=TimestamptzNow())


class SlaTier(Table, tablename="sla_tier"):
    """An SLA tier sold to customers: per-priority targets and coverage."""

    name = Varchar(length=80, unique=True)
    description = Text(default="")
    # {"critical": {"first_response_minutes": 30, "resolution_minutes": 240,
    #               "coverage": "24x7"}, ...}
    targets = JSON(default="{}")
    pause_on_waiting = Boolean(default=True)
    # the lowest priority a task of this tier may have (triage floor)
    priority_floor = Varchar(length=16, default="low")
    rank = Integer(default=0)


class Customer(Table, tablename="customer"):
    name = Varchar(length=200, unique=True)
    sla_tier = ForeignKey(references=SlaTier, null=True)
    timezone = Varchar(length=64, default="UTC")
    calendar = ForeignKey(references=SlaCalendar, null=True)
    notes = Text(default="")
    # inbox: {"auto_convert": bool, "reopen_days": int}; billing: {...}
    settings = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class CustomerDomain(Table, tablename="customer_domain"):
    customer = ForeignKey(references=Customer, index=True)
    domain = Varchar(length=253, unique=True)


class Contact(Table, tablename="contact"):
    customer = ForeignKey(references=Customer, index=True)
    email = Varchar(length=320, unique=True)
    name = Varchar(length=200, default="")
    phone = Varchar(length=64, default="")
    vip = Boolean(default=False)
    portal_access = Boolean(default=True)
    portal_admin = Boolean(default=False)
    password_hash = Varchar(length=255, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Technician(Table, tablename="technician"):
    name = Varchar(length=200)
    email = Varchar(length=320, unique=True)
    skills = JSON(default="[]")
    timezone = Varchar(length=64, default="UTC")
    role = Varchar(length=64, default="technician")
    cost_rate = Varchar(length=32, default="0")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Team(Table, tablename="team"):
    name = Varchar(length=120, unique=True)
    description = Text(default="")
    timezone = Varchar(length=64, default="UTC")


class TeamMember(Table, tablename="team_member"):
    team = ForeignKey(references=Team, index=True)
    technician = ForeignKey(references=Technician, index=True)


class Device(Table, tablename="device"):
    customer = ForeignKey(references=Customer, null=True, index=True)
    hostname = Varchar(length=253, index=True)
    serial = Varchar(length=128, default="")
    agent_id = Varchar(length=128, default="", index=True)
    site = Varchar(length=200, default="")
    os = Varchar(length=200, default="")
    last_seen = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Task(Table, tablename="task"):
    """A unit of work. Indexes: the composite queue indexes of the migrations (filter,
    sort key, id) plus ``source``, ``milestone_id``, ``parent_task_id`` and
    ``resolution_due_at``; the single-column ones they cover were dropped."""

    customer = ForeignKey(references=Customer)
    title = Varchar(length=500)
    description = Text(default="")
    priority = Varchar(length=16)
    # 0 critical .. 3 low: sortable
    priority_rank = Integer(default=2)
    status = Varchar(length=32, default="open")
    assignee_technician = ForeignKey(references=Technician, null=True)
    assignee_team = ForeignKey(references=Team, null=True)
    source = Varchar(length=64, default="manual", index=True)
    source_ref = Varchar(length=500, default="")
    # the stable intake key (Message-ID, alert fingerprint, submission id): unique
    intake_key = Varchar(length=500, null=True, default=None, unique=True)
    category = Varchar(length=64, default="")
    device = ForeignKey(references=Device, null=True)
    milestone_id = Integer(null=True, default=None, index=True)
    parent_task_id = Integer(null=True, default=None, index=True)
    linked_task_id = Integer(null=True, default=None)
    due_at = Timestamptz(null=True, default=None)
    arrived_at = Timestamptz(default=TimestamptzNow())
    first_response_at = Timestamptz(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # denormalised SLA due times for sorting and the breach monitor
    first_response_due_at = Timestamptz(null=True, default=None)
    resolution_due_at = Timestamptz(null=True, default=None, index=True)
    # the nearest unmet SLA due time (far future when none): the queue's default sort
    queue_due_at = Timestamptz()
    # when the breach monitor must look at this task next (warning or due); null = never
    sla_next_check_at = Timestamptz(null=True, default=None)
    sla = JSON(default="{}")
    touched_by_technician = Boolean(default=False)
    checklist_total = Integer(default=0)
    checklist_done = Integer(default=0)
    version = Integer(default=1)
    created_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class SlaPause(Table, tablename="sla_pause"):
    """An interval during which a task waited on the customer."""

    task = ForeignKey(references=Task, index=True)
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)


class SlaNotice(Table, tablename="sla_notice"):
    """A warning or breach already published for one clock (makes the monitor idempotent)."""

    task = ForeignKey(references=Task, index=True)
    # "<task>:<clock>:<kind>:<due iso>": a recomputed due time can warn again
    notice_key = Varchar(length=200, unique=True)
    published_at = Timestamptz(default=TimestamptzNow())


class ChecklistItem(Table, tablename="checklist_item"):
    task = ForeignKey(references=Task, index=True)
    position = Integer(default=0)
    text = Varchar(length=1000)
    done = Boolean(default=False)
    done_by = Varchar(length=200, null=True, default=None)
    done_at = Timestamptz(null=True, default=None)


class TimeEntry(Table, tablename="time_entry"):
    task = ForeignKey(references=Task, index=True)
    technician = ForeignKey(references=Technician, index=True)
    started_at = Timestamptz(index=True)
    minutes = Integer()
    billable = Boolean(default=True)
    work_type = Varchar(length=64, default="standard")
    note = Text(default="")
    invoice_id = Integer(null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Message(Table, tablename="message"):
    """One entry of a task's conversation: inbound mail, outbound reply, internal note."""

    task = ForeignKey(references=Task, index=True)
    direction = Varchar(length=16)  # inbound | outbound | internal
    channel = Varchar(length=32)  # email | portal | api | rmm | system
    author = Varchar(length=320, default="")
    author_kind = Varchar(length=16, default="technician")  # contact | technician | system
    body = Text(default="")
    public = Boolean(default=True)
    message_id = Varchar(length=998, null=True, default=None, index=True)
    attachments = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class AuditEntry(Table, tablename="audit_entry"):
    entity = Varchar(length=32, index=True)
    entity_id = Integer(index=True)
    actor = Varchar(length=200)
    channel = Varchar(length=32)
    action = Varchar(length=32)
    field = Varchar(length=64, default="")
    old = Text(null=True, default=None)
    new = Text(null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())


class ApiKey(Table, tablename="api_key"):
    name = Varchar(length=200)
    role = Varchar(length=16)  # admin | technician | integration
    prefix = Varchar(length=16)
    key_hash = Varchar(length=64, unique=True)
    technician = ForeignKey(references=Technician, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


CORE_TABLES: list[type[Table]] = [
    SlaCalendar,
    SlaTier,
    Customer,
    CustomerDomain,
    Contact,
    Technician,
    Team,
    TeamMember,
    Device,
    Task,
    SlaPause,
    SlaNotice,
    ChecklistItem,
    TimeEntry,
    Message,
    AuditEntry,
    ApiKey,
]
