"""The calendar's own tables (piccolo app ``calendar``).

Maintenance windows, working hours, leave and bookings share one table
(`CalendarEntry`, told apart by ``kind``) because they are one thing to the calendar: a
possibly recurring span tied to a customer, technician, team or task. Rotations are
structured differently and have their own tables. Feed tokens are stored as hashes only.
Lists (EXDATEs, RDATEs, device ids, forced conflicts) are JSON text decoded with msgspec.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hub.db.tables import Customer, Task, Team, Technician


class CalendarEntry(Table, tablename="calendar_entry"):
    """A maintenance window, working hours, leave or a booking (``kind``)."""

    kind = Varchar(length=32, index=True)
    title = Varchar(length=500)
    description = Text(default="")
    location = Varchar(length=500, default="")
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    # end of the last instance; null = open-ended (or COUNT-limited) recurrence
    series_ends_at = Timestamptz(null=True, default=None, index=True)
    all_day = Boolean(default=False)
    tz = Varchar(length=64, default="UTC")
    rrule = Text(null=True, default=None)
    exdates = JSON(default="[]")
    rdates = JSON(default="[]")
    customer = ForeignKey(references=Customer, null=True, index=True)
    technician = ForeignKey(references=Technician, null=True, index=True)
    team = ForeignKey(references=Team, null=True, index=True)
    task = ForeignKey(references=Task, null=True, index=True)
    # maintenance limited to these device ids ([] = every device of the customer)
    devices = JSON(default="[]")
    alarm_minutes = Integer(null=True, default=None)
    sequence = Integer(default=0)
    # saved with ?force=true despite these conflicts (JSON list), recorded for review
    forced = Boolean(default=False)
    forced_conflicts = JSON(default="[]")
    created_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OnCallRotation(Table, tablename="calendar_oncall_rotation"):
    """A team's rotation: members take turns, handing over at a local wall time."""

    team = ForeignKey(references=Team, index=True)
    name = Varchar(length=200, default="On call")
    members = JSON(default="[]")  # technician ids in rotation order
    tz = Varchar(length=64, default="UTC")
    start_date = Date()
    handover_time = Varchar(length=5, default="09:00")  # HH:MM local
    handover_weekday = Integer(null=True, default=None)  # 0 = Monday
    period_days = Integer(default=7)
    sequence = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class OnCallOverride(Table, tablename="calendar_oncall_override"):
    """Someone else carries the pager for a span (a cover, or one half of a swap)."""

    rotation = ForeignKey(references=OnCallRotation, index=True)
    technician = ForeignKey(references=Technician, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    replaces = Integer(null=True, default=None)  # technician id; null = whoever is scheduled
    reason = Varchar(length=500, default="")
    created_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class FeedToken(Table, tablename="calendar_feed_token"):
    """A subscribable iCalendar feed; ``token_hash`` is the sha256 of the URL's token."""

    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)  # first characters of the token, to tell feeds apart
    name = Varchar(length=200)
    scope = Varchar(length=16)  # technician | team | customer
    scope_id = Integer()
    tz = Varchar(length=64, default="UTC")
    kinds = JSON(default="[]")  # [] = every kind
    created_by = Varchar(length=200, default="")
    created_by_technician = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


CALENDAR_TABLES: list[type[Table]] = [CalendarEntry, OnCallRotation, OnCallOverride, FeedToken]
