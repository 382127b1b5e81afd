"""Calendar data at the plugin boundary: stored events and their expanded occurrences.

A `CalendarEvent` is what is stored or contributed by a plugin (one row, possibly recurring);
an `Occurrence` is one concrete instance of it on the time line, in UTC, which is what the
conflict checks, free-slot search and on-call views work on.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from plugins.calendar.errors import CalendarError
from plugins.calendar.rrule_text import parse_rrule

# Kinds the core itself produces; plugins may contribute others (see `KIND_PATTERN`).
MAINTENANCE = "maintenance"
AVAILABILITY = "availability"  # a technician's working hours
LEAVE = "leave"
ONCALL = "oncall"
BOOKING = "booking"
SLA_DEADLINE = "sla_deadline"
MILESTONE = "milestone"
KNOWN_KINDS = frozenset(
    {MAINTENANCE, AVAILABILITY, LEAVE, ONCALL, BOOKING, SLA_DEADLINE, MILESTONE}
)
# Plugin kinds become part of UIDs and CATEGORIES, so keep them to a safe token alphabet.
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
UID_DOMAIN = "atlas-hub"


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """Return the IANA zone `name`, raising `CalendarError` for unknown names."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(f"unknown time zone {name!r}") from exc


def require_aware(name: str, value: datetime) -> None:
    """Raise `CalendarError` unless `value` carries a UTC offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise CalendarError(f"{name} must be timezone-aware, got {value.isoformat()}")


def make_uid(kind: str, ident: int | str) -> str:
    """Stable UID for the thing `ident` of `kind`, e.g. ``make_uid("booking", 42)``."""
    return f"{kind}-{ident}@{UID_DOMAIN}"


class CalendarEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One calendar entry, optionally recurring (RFC 5545 RRULE/EXDATE/RDATE).

    `start`/`end` are aware; `tz` is the IANA zone the event lives in, which decides the
    local wall time a recurrence keeps across DST. All-day events start and end at local
    midnight in `tz` (end exclusive). `sequence` is bumped by the owner on every change so
    subscribed clients replace their copy.
    """

    uid: str
    kind: str
    title: str
    start: datetime
    end: datetime
    all_day: bool = False
    tz: str = "UTC"
    rrule: str | None = None
    exdates: list[datetime] = []
    rdates: list[datetime] = []
    customer_id: int | None = None
    technician_id: int | None = None
    team_id: int | None = None
    task_id: int | None = None
    sequence: int = 0
    alarm_minutes_before: int | None = None
    description: str = ""
    location: str = ""
    meta: dict[str, Any] = {}

    def __post_init__(self) -> None:
        if not self.uid or any(c in self.uid for c in "\r\n"):
            raise CalendarError("uid must be a non-empty single-line string")
        if not KIND_PATTERN.match(self.kind):
            raise CalendarError(f"kind {self.kind!r} must match {KIND_PATTERN.pattern}")
        require_aware("start", self.start)
        require_aware("end", self.end)
        if self.end < self.start:
            raise CalendarError("end is before start")
        local = zone(self.tz)
        for label, values in (("exdates", self.exdates), ("rdates", self.rdates)):
            for value in values:
                require_aware(label, value)
        if self.all_day:
            for label, value in (("start", self.start), ("end", self.end)):
                if value.astimezone(local).timetz().replace(tzinfo=None) != time(0):
                    raise CalendarError(f"all-day {label} must be local midnight in {self.tz}")
        if self.rrule is not None:
            parse_rrule(self.rrule)
        if self.sequence < 0:
            raise CalendarError("sequence must be >= 0")
        if self.alarm_minutes_before is not None and self.alarm_minutes_before < 0:
            raise CalendarError("alarm_minutes_before must be >= 0")

    @property
    def is_recurring(self) -> bool:
        """True when the event has an RRULE or extra RDATEs."""
        return self.rrule is not None or bool(self.rdates)


class Occurrence(msgspec.Struct, frozen=True, kw_only=True):
    """One instance of an event on the time line; `start`/`end` are UTC.

    `recurrence_id` is the instance's original start (UTC) for recurring events and
    None for single ones, so (`uid`, `recurrence_id`) identifies an instance.
    """

    uid: str
    kind: str
    title: str
    start: datetime
    end: datetime
    recurrence_id: datetime | None = None
    all_day: bool = False
    tz: str = "UTC"
    customer_id: int | None = None
    technician_id: int | None = None
    team_id: int | None = None
    task_id: int | None = None
    sequence: int = 0
    alarm_minutes_before: int | None = None
    description: str = ""
    location: str = ""
    meta: dict[str, Any] = {}

    @property
    def key(self) -> tuple[str, datetime | None]:
        """(uid, recurrence_id): identifies this instance among all occurrences."""
        return (self.uid, self.recurrence_id)

    @property
    def duration(self) -> timedelta:
        """Length of the occurrence."""
        return self.end - self.start


def occurrence_at(
    event: CalendarEvent, start: datetime, end: datetime, recurrence_id: datetime | None
) -> Occurrence:
    """Build the occurrence of `event` spanning `start`..`end` (converted to UTC)."""
    # Expansion already hands over UTC values; skip the conversion on that hot path.
    return Occurrence(
        uid=event.uid,
        kind=event.kind,
        title=event.title,
        start=start if start.tzinfo is UTC else start.astimezone(UTC),
        end=end if end.tzinfo is UTC else end.astimezone(UTC),
        recurrence_id=recurrence_id,
        all_day=event.all_day,
        tz=event.tz,
        customer_id=event.customer_id,
        technician_id=event.technician_id,
        team_id=event.team_id,
        task_id=event.task_id,
        sequence=event.sequence,
        alarm_minutes_before=event.alarm_minutes_before,
        description=event.description,
        location=event.location,
        meta=event.meta,
    )
