"""iCalendar (RFC 5545) feeds for subscription by calendar clients.

Recurring `CalendarEvent`s are written once with their RRULE/EXDATE/RDATE in their own
zone (with a VTIMEZONE), never pre-expanded, so clients keep the local wall time across
DST. Single events and `Occurrence`s (on-call shifts, SLA deadlines, instances) are
written in the feed's zone. UIDs are the events' stable UIDs; SEQUENCE comes from the
event so clients replace changed entries instead of duplicating them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vRecur

from plugins.calendar.events import (
    AVAILABILITY,
    ONCALL,
    SLA_DEADLINE,
    CalendarEvent,
    Occurrence,
    zone,
)
from plugins.calendar.rrule_text import parse_rrule, until_text
from plugins.calendar.vtimezone import vtimezone

PRODID = "-//Atlas Hub//Calendar Feed 1.0//EN"
# These kinds inform but do not make anyone busy in free/busy lookups.
TRANSPARENT_KINDS = frozenset({AVAILABILITY, ONCALL, SLA_DEADLINE})
# RFC 5545 TEXT forbids control characters other than HTAB (newlines are escaped).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# How far past the last start a VTIMEZONE must stay exact for open-ended recurrences.
_RECURRING_YEARS = 5


def clean_text(text: str) -> str:
    """Text safe for an iCalendar TEXT value (icalendar escapes ``\\ ; ,`` and newlines)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def instance_uid(occ: Occurrence) -> str:
    """UID for an occurrence written on its own: the event UID, or for an instance of a
    recurring event, the UID with its recurrence start added before the ``@``."""
    if occ.recurrence_id is None:
        return occ.uid
    local, at, domain = occ.uid.partition("@")
    stamp = occ.recurrence_id.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{local}-{stamp}{at}{domain}"


class _Zones:
    """Zones used by the feed and the years each must cover."""

    def __init__(self) -> None:
        self.years: dict[str, tuple[int, int]] = {}

    def use(self, tzid: str, first_year: int, last_year: int) -> None:
        if tzid == "UTC":
            return
        low, high = self.years.get(tzid, (first_year, last_year))
        self.years[tzid] = (min(low, first_year), max(high, last_year))


def _moment(value: datetime, local: ZoneInfo | None, all_day: bool) -> date | datetime:
    """A DTSTART-style value: a local date for all-day entries, else a time in `local`."""
    if local is None:
        return value.astimezone(UTC)
    shown = value.astimezone(local)
    return shown.date() if all_day else shown


def _local(tzid: str) -> ZoneInfo | None:
    return None if tzid == "UTC" else zone(tzid)


def _common(
    component: Event,
    uid: str,
    item: CalendarEvent | Occurrence,
    stamp: datetime,
) -> None:
    component.add("UID", uid)
    component.add("DTSTAMP", stamp)
    # SEQUENCE and TRANSP are left out at their RFC 5545 defaults (0, OPAQUE): feeds are
    # mostly SLA deadlines, and every content line costs serialisation time.
    if item.sequence:
        component.add("SEQUENCE", item.sequence)
    component.add("SUMMARY", clean_text(item.title))
    if item.description:
        component.add("DESCRIPTION", clean_text(item.description))
    if item.location:
        component.add("LOCATION", clean_text(item.location))
    component.add("CATEGORIES", [item.kind])
    if item.kind in TRANSPARENT_KINDS:
        component.add("TRANSP", "TRANSPARENT")
    if item.alarm_minutes_before is not None:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", clean_text(item.title) or item.kind)
        alarm.add("TRIGGER", timedelta(minutes=-item.alarm_minutes_before))
        component.add_component(alarm)


def _times(
    component: Event, start: datetime, end: datetime, local: ZoneInfo | None, all_day: bool
) -> None:
    component.add("DTSTART", _moment(start, local, all_day))
    # An instantaneous entry (a deadline) has no DTEND: RFC 5545 3.6.1.
    if end > start:
        component.add("DTEND", _moment(end, local, all_day))


def _event_component(event: CalendarEvent, stamp: datetime, feed_tz: str, zones: _Zones) -> Event:
    # Recurrences must be written in their own zone to keep local time across DST.
    tzid = event.tz if event.is_recurring or event.all_day else feed_tz
    local = _local(tzid)
    component = Event()
    _common(component, event.uid, event, stamp)
    _times(component, event.start, event.end, local, event.all_day)
    extra = [*event.exdates, *event.rdates]
    last_year = max([event.end, *extra]).year
    if event.rrule is not None:
        rule = parse_rrule(event.rrule)
        until = until_text(rule.until, zone(event.tz), event.all_day) if rule.until else None
        component.add("RRULE", vRecur.from_ical(rule.to_text(until)))
        last_year = max(last_year, stamp.year) + _RECURRING_YEARS
    if event.exdates:
        component.add("EXDATE", [_moment(v, local, event.all_day) for v in event.exdates])
    if event.rdates:
        component.add("RDATE", [_moment(v, local, event.all_day) for v in event.rdates])
    zones.use(tzid, min([event.start, *extra]).year, last_year)
    return component


def _occurrence_component(occ: Occurrence, stamp: datetime, feed_tz: str, zones: _Zones) -> Event:
    tzid = occ.tz if occ.all_day else feed_tz
    local = _local(tzid)
    component = Event()
    _common(component, instance_uid(occ), occ, stamp)
    _times(component, occ.start, occ.end, local, occ.all_day)
    zones.use(tzid, occ.start.year, occ.end.year)
    return component


def build_feed(
    name: str,
    items: Iterable[CalendarEvent | Occurrence],
    tz: str,
    *,
    now: datetime | None = None,
) -> bytes:
    """Serialise `items` as one VCALENDAR named `name`, with times shown in zone `tz`.

    Recurring events keep RRULE/EXDATE/RDATE in their own zone; every zone used gets a
    VTIMEZONE; entries with `alarm_minutes_before` get a DISPLAY VALARM. `now` (default:
    the current time) is the DTSTAMP of every entry.
    """
    zone(tz)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", clean_text(name))
    calendar.add("X-WR-TIMEZONE", tz)
    zones = _Zones()
    components = [
        _event_component(item, stamp, tz, zones)
        if isinstance(item, CalendarEvent)
        else _occurrence_component(item, stamp, tz, zones)
        for item in items
    ]
    # VTIMEZONEs must come before the events that use them for some streaming readers.
    for tzid, (first, last) in sorted(zones.years.items()):
        calendar.add_component(vtimezone(tzid, first, last))
    for component in components:
        calendar.add_component(component)
    return calendar.to_ical()
