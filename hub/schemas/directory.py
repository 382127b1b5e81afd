"""Customers, contacts, technicians, teams, SLA tiers and calendars at the API edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from hub.schemas.common import Domain, Email, Id, LongText, Minutes, Name, Priority

ReopenDays = Annotated[int, msgspec.Meta(ge=0, le=3650)]


class TierTarget(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    first_response_minutes: Minutes
    resolution_minutes: Minutes
    coverage: Literal["24x7", "business_hours"] = "business_hours"


class SlaTierIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    description: str = ""
    targets: dict[Priority, TierTarget]
    pause_on_waiting: bool = True
    priority_floor: Priority = "low"
    rank: int = 0


class SlaTierPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    description: str | UnsetType = UNSET
    targets: dict[Priority, TierTarget] | UnsetType = UNSET
    pause_on_waiting: bool | UnsetType = UNSET
    priority_floor: Priority | UnsetType = UNSET
    rank: int | UnsetType = UNSET


class SlaTierOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str
    targets: dict[str, TierTarget]
    pause_on_waiting: bool
    priority_floor: str
    rank: int


class CalendarIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A business-hours calendar; ``spec`` follows ``hub.sla.calendars``."""

    name: Name
    spec: dict[str, Any]


class CalendarOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    spec: dict[str, Any]


class CustomerSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    #: inbox: create the task at once instead of holding mail in the inbox
    auto_convert: bool = False
    #: a reply to a Closed task within this many days reopens it; later, a new linked task
    reopen_days: ReopenDays = 7
    currency: str = "EUR"
    tax_rate: str = "0"
    payment_terms_days: int = 30


class CustomerIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    email_domains: list[Domain] = []
    sla_tier_id: Id | None = None
    timezone: str = "UTC"
    calendar_id: Id | None = None
    notes: LongText = ""
    settings: CustomerSettings = msgspec.field(default_factory=CustomerSettings)


class CustomerPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    email_domains: list[Domain] | UnsetType = UNSET
    sla_tier_id: Id | UnsetType | None = UNSET
    timezone: str | UnsetType = UNSET
    calendar_id: Id | UnsetType | None = UNSET
    notes: LongText | UnsetType = UNSET
    settings: CustomerSettings | UnsetType = UNSET


class CustomerOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    email_domains: list[str]
    sla_tier_id: int | None
    sla_tier: str | None
    timezone: str
    calendar_id: int | None
    notes: str
    settings: CustomerSettings
    created_at: datetime
    updated_at: datetime


class ContactIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    customer_id: Id
    email: Email
    name: str = ""
    phone: str = ""
    vip: bool = False
    portal_access: bool = True
    portal_admin: bool = False


class ContactPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    customer_id: Id | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    name: str | UnsetType = UNSET
    phone: str | UnsetType = UNSET
    vip: bool | UnsetType = UNSET
    portal_access: bool | UnsetType = UNSET
    portal_admin: bool | UnsetType = UNSET


class ContactOut(msgspec.Struct, kw_only=True):
    id: int
    customer_id: int
    email: str
    name: str
    phone: str
    vip: bool
    portal_access: bool
    portal_admin: bool


class TechnicianIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    email: Email
    skills: list[str] = []
    timezone: str = "UTC"
    role: str = "technician"
    cost_rate: str = "0"
    active: bool = True


class TechnicianPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    skills: list[str] | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    role: str | UnsetType = UNSET
    cost_rate: str | UnsetType = UNSET
    active: bool | UnsetType = UNSET


class TechnicianOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    email: str
    skills: list[str]
    timezone: str
    role: str
    cost_rate: str
    active: bool


class TeamIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    description: str = ""
    timezone: str = "UTC"
    member_ids: list[Id] = []


class TeamPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    description: str | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    member_ids: list[Id] | UnsetType = UNSET


class TeamOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str
    timezone: str
    member_ids: list[int]
