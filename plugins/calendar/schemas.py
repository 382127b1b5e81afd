"""Request and response bodies of the calendar API (msgspec at the edge).

Times: an aware time (with offset) means that instant; a naive time is wall time in the
entry's ``tz``. ``tz`` defaults to the customer's zone for maintenance windows and to the
technician's zone for working hours, leave and bookings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

Id = Annotated[int, msgspec.Meta(ge=1)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=500)]
Rule = Annotated[str, msgspec.Meta(min_length=1, max_length=1_000)]
Zone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
AlarmMinutes = Annotated[int, msgspec.Meta(ge=0, le=40_320)]
Dates = Annotated[list[datetime], msgspec.Meta(max_length=1_000)]
DeviceIds = Annotated[list[Id], msgspec.Meta(max_length=10_000)]
Scope = Literal["technician", "team", "customer"]
KindName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Handover = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Weekday = Annotated[int, msgspec.Meta(ge=0, le=6)]
Period = Annotated[int, msgspec.Meta(ge=1, le=366)]
Members = Annotated[list[Id], msgspec.Meta(min_length=1, max_length=200)]


class _Strict(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


class MaintenanceIn(_Strict):
    customer_id: Id
    title: Title
    start: datetime
    end: datetime
    tz: Zone | None = None
    all_day: bool = False
    rrule: Rule | None = None
    exdates: Dates = []
    rdates: Dates = []
    #: limit the window to these devices of the customer ([] = every device)
    devices: DeviceIds = []
    technician_id: Id | None = None
    team_id: Id | None = None
    description: Text = ""
    location: Short = ""
    alarm_minutes_before: AlarmMinutes | None = None


class MaintenancePatch(_Strict):
    title: Title | UnsetType = UNSET
    start: datetime | UnsetType = UNSET
    end: datetime | UnsetType = UNSET
    tz: Zone | UnsetType = UNSET
    all_day: bool | UnsetType = UNSET
    rrule: Rule | UnsetType | None = UNSET
    exdates: Dates | UnsetType = UNSET
    rdates: Dates | UnsetType = UNSET
    devices: DeviceIds | UnsetType = UNSET
    technician_id: Id | UnsetType | None = UNSET
    team_id: Id | UnsetType | None = UNSET
    description: Text | UnsetType = UNSET
    location: Short | UnsetType = UNSET
    alarm_minutes_before: AlarmMinutes | UnsetType | None = UNSET


class AvailabilityIn(_Strict):
    """Working hours, usually recurring (``FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR``)."""

    technician_id: Id
    start: datetime
    end: datetime
    title: Title = "Working hours"
    tz: Zone | None = None
    rrule: Rule | None = None
    exdates: Dates = []
    rdates: Dates = []
    description: Text = ""


class AvailabilityPatch(_Strict):
    start: datetime | UnsetType = UNSET
    end: datetime | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    tz: Zone | UnsetType = UNSET
    rrule: Rule | UnsetType | None = UNSET
    exdates: Dates | UnsetType = UNSET
    rdates: Dates | UnsetType = UNSET
    description: Text | UnsetType = UNSET


class LeaveIn(_Strict):
    technician_id: Id
    start: datetime
    end: datetime
    title: Title = "Leave"
    all_day: bool = False
    tz: Zone | None = None
    description: Text = ""


class LeavePatch(_Strict):
    start: datetime | UnsetType = UNSET
    end: datetime | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    all_day: bool | UnsetType = UNSET
    tz: Zone | UnsetType = UNSET
    description: Text | UnsetType = UNSET


class BookingIn(_Strict):
    """A technician booked on a task for a span; the title defaults to the task's."""

    technician_id: Id
    task_id: Id
    start: datetime
    end: datetime
    title: Title | None = None
    tz: Zone | None = None
    description: Text = ""
    location: Short = ""


class BookingPatch(_Strict):
    technician_id: Id | UnsetType = UNSET
    start: datetime | UnsetType = UNSET
    end: datetime | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    tz: Zone | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    location: Short | UnsetType = UNSET


class ConflictOut(msgspec.Struct, kw_only=True):
    kind: str  # double_booking | on_leave | outside_working_hours | maintenance_overlap
    reason: str
    uid: str
    recurrence_id: datetime | None
    other_uid: str | None
    other_recurrence_id: datetime | None
    start: datetime
    end: datetime
    technician_id: int | None = None
    customer_id: int | None = None


class EntryOut(msgspec.Struct, kw_only=True):
    """A stored maintenance window, working hours, leave or booking."""

    id: int
    uid: str
    kind: str
    title: str
    description: str
    location: str
    start: datetime
    end: datetime
    all_day: bool
    tz: str
    rrule: str | None
    exdates: list[datetime]
    rdates: list[datetime]
    customer_id: int | None
    technician_id: int | None
    team_id: int | None
    task_id: int | None
    devices: list[int]
    alarm_minutes_before: int | None
    sequence: int
    forced: bool
    forced_conflicts: list[dict[str, Any]]
    created_by: str
    created_at: datetime
    updated_at: datetime


class RotationIn(_Strict):
    """A rotation: `members` take turns every `period_days`, handing over at
    `handover_time` local (on `handover_weekday`, 0 = Monday, when given)."""

    team_id: Id
    members: Members
    start_date: date
    name: Title = "On call"
    tz: Zone | None = None
    handover_time: Handover = "09:00"
    handover_weekday: Weekday | None = None
    period_days: Period = 7


class RotationPatch(_Strict):
    members: Members | UnsetType = UNSET
    start_date: date | UnsetType = UNSET
    name: Title | UnsetType = UNSET
    tz: Zone | UnsetType = UNSET
    handover_time: Handover | UnsetType = UNSET
    handover_weekday: Weekday | UnsetType | None = UNSET
    period_days: Period | UnsetType = UNSET


class OverrideIn(_Strict):
    """`technician_id` is on call during ``[start, end)`` instead of `replaces` (a swap
    half) or, without `replaces`, instead of whoever is scheduled (a cover)."""

    technician_id: Id
    start: datetime
    end: datetime
    replaces: Id | None = None
    reason: Short = ""


class OverrideOut(msgspec.Struct, kw_only=True):
    id: int
    rotation_id: int
    technician_id: int
    start: datetime
    end: datetime
    replaces: int | None
    reason: str
    created_by: str


class RotationOut(msgspec.Struct, kw_only=True):
    id: int
    uid_prefix: str
    team_id: int
    name: str
    members: list[int]
    tz: str
    start_date: date
    handover_time: str
    handover_weekday: int | None
    period_days: int
    sequence: int
    overrides: list[OverrideOut]


class OnCallNow(msgspec.Struct, kw_only=True):
    """Who carries the pager of one rotation at `at`."""

    team_id: int
    team_name: str
    rotation_id: int
    rotation_name: str
    technician_id: int | None
    technician_name: str | None
    scheduled_technician_id: int | None
    override: bool
    shift_start: datetime | None
    shift_end: datetime | None


class OccurrenceOut(msgspec.Struct, kw_only=True):
    """One entry of the unified view (recurring events expanded; times UTC)."""

    uid: str
    kind: str
    title: str
    start: datetime
    end: datetime
    recurrence_id: datetime | None
    all_day: bool
    tz: str
    customer_id: int | None
    technician_id: int | None
    team_id: int | None
    task_id: int | None
    sequence: int
    alarm_minutes_before: int | None
    description: str
    location: str
    meta: dict[str, Any]


class CalendarView(msgspec.Struct, kw_only=True):
    start: datetime
    end: datetime
    count: int
    items: list[OccurrenceOut]


class FreeSlotsIn(_Strict):
    """Give exactly one of `technician_id` and `team_id`."""

    duration_minutes: Annotated[int, msgspec.Meta(ge=1, le=10_080)]
    technician_id: Id | None = None
    team_id: Id | None = None
    after: datetime | None = None  # default: now
    count: Annotated[int, msgspec.Meta(ge=1, le=50)] = 3
    step_minutes: Annotated[int, msgspec.Meta(ge=1, le=1_440)] = 15
    horizon_days: Annotated[int, msgspec.Meta(ge=1, le=366)] | None = None


class SlotOut(msgspec.Struct, kw_only=True):
    start: datetime
    end: datetime
    technician_id: int | None


class FreeSlotsOut(msgspec.Struct, kw_only=True):
    slots: list[SlotOut]
    searched_until: datetime


class FeedIn(_Strict):
    scope: Scope
    scope_id: Id
    name: Title | None = None
    tz: Zone | None = None
    #: only these kinds ([] = every kind, including other plugins' kinds)
    kinds: Annotated[list[KindName], msgspec.Meta(max_length=50)] = []


class FeedOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    scope: str
    scope_id: int
    tz: str
    kinds: list[str]
    prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class FeedCreated(msgspec.Struct, kw_only=True):
    """The token is shown once; only its hash is stored."""

    feed: FeedOut
    token: str
    path: str
    url: str | None
