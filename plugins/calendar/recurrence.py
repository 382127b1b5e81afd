"""Expand (recurring) calendar events into occurrences inside a time range.

Recurrence runs on naive *wall-clock* time in the event's own zone and each instance is
converted to UTC afterwards, so a weekly 22:00 Europe/Berlin window stays at 22:00 local
on both sides of a DST change while its UTC time moves. Local times that do not exist
(spring-forward gap) are shifted forward by the gap and ambiguous ones take the first
(pre-transition) offset, as RFC 5545 section 3.3.5 prescribes.

Instance length is kept in wall-clock terms too: a 22:00-06:00 window ends at 06:00 local
even on the night the clocks change (the same reading as ical.js and most clients).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from plugins.calendar.events import (
    CalendarEvent,
    Occurrence,
    occurrence_at,
    require_aware,
    zone,
)
from plugins.calendar.rrule_text import RecurrenceRule, parse_rrule, until_wall_time

# Largest difference between two UTC offsets of one zone (Lord Howe is 30 min, but some
# historic zones jumped by hours); wall-clock search windows are widened by this much.
_OFFSET_SLACK = timedelta(hours=3)
_FIXED_STEPS = {
    du.WEEKLY: timedelta(weeks=1),
    du.DAILY: timedelta(days=1),
    du.HOURLY: timedelta(hours=1),
    du.MINUTELY: timedelta(minutes=1),
}


def _wall(value: datetime, local: ZoneInfo) -> datetime:
    return value.astimezone(local).replace(tzinfo=None)


def _to_utc(wall: datetime, local: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=local).astimezone(UTC)


def _explicit_defaults(rule: RecurrenceRule, dtstart: datetime) -> dict[str, Any]:
    """dateutil arguments with the parts it would infer from DTSTART spelled out.

    dateutil fills a missing BYMONTHDAY/BYMONTH/BYDAY from dtstart; spelling them out lets
    us move dtstart forward to the range without changing which instances the rule makes.
    """
    kwargs = rule.dateutil_kwargs()
    implicit = not any(rule.has(name) for name in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY"))
    if implicit and rule.freq == du.YEARLY:
        kwargs.setdefault("bymonth", dtstart.month)
        kwargs["bymonthday"] = dtstart.day
    elif implicit and rule.freq == du.MONTHLY:
        kwargs["bymonthday"] = dtstart.day
    elif implicit and rule.freq == du.WEEKLY:
        kwargs["byweekday"] = dtstart.weekday()
    return kwargs


def _fast_forward(rule: RecurrenceRule, dtstart: datetime, lo: datetime) -> datetime:
    """A later DTSTART on the rule's period lattice, one period before `lo`.

    Without this, dateutil walks every instance since DTSTART: a daily rule started five
    years ago costs ~1,800 steps per expansion. Only valid without COUNT (which counts
    from the real DTSTART) and with the implicit parts made explicit.
    """
    if rule.count is not None or lo <= dtstart:
        return dtstart
    step = _FIXED_STEPS.get(rule.freq)
    if step is not None:
        period = step * rule.interval
        periods = (lo - dtstart) // period - 1
        return dtstart + period * periods if periods > 0 else dtstart
    if rule.freq == du.MONTHLY:
        months = (lo.year - dtstart.year) * 12 + lo.month - dtstart.month
        periods = months // rule.interval - 1
        if periods <= 0:
            return dtstart
        index = dtstart.month - 1 + periods * rule.interval
        # Day 1 is never later than an instance of that month, so none is skipped.
        return dtstart.replace(year=dtstart.year + index // 12, month=index % 12 + 1, day=1)
    return dtstart  # YEARLY/SECONDLY: few steps per year, or not worth the risk


def _rule_starts(
    rule: RecurrenceRule,
    dtstart: datetime,
    lo: datetime,
    hi: datetime,
    local: ZoneInfo,
    all_day: bool,
) -> list[datetime]:
    """Wall-clock instance starts of `rule` between `lo` and `hi` (inclusive)."""
    until = until_wall_time(rule.until, local, all_day) if rule.until else None
    if until is not None and until < lo:
        return []
    kwargs = _explicit_defaults(rule, dtstart)
    start = _fast_forward(rule, dtstart, lo)
    generator = du.rrule(
        rule.freq, dtstart=start, count=rule.count, until=until, cache=False, **kwargs
    )
    return generator.between(lo, hi, inc=True)


def expand(event: CalendarEvent, range_start: datetime, range_end: datetime) -> list[Occurrence]:
    """Occurrences of `event` overlapping ``[range_start, range_end)``, sorted by start.

    An occurrence that began before `range_start` and is still running is included.
    Zero-length occurrences (deadlines) count when they fall inside the range.
    DTSTART is always the first instance (RFC 5545), EXDATEs remove instances by their
    start instant and RDATEs add instances of the same length; COUNT/UNTIL are honoured.
    """
    require_aware("range_start", range_start)
    require_aware("range_end", range_end)
    if range_end <= range_start:
        return []
    if not event.is_recurring:
        if _overlaps(event.start, event.end, range_start, range_end):
            return [occurrence_at(event, event.start, event.end, None)]
        return []
    local = zone(event.tz)
    start_wall = _wall(event.start, local)
    length = _wall(event.end, local) - start_wall
    lo = _wall(range_start, local) - length - _OFFSET_SLACK
    hi = _wall(range_end, local) + _OFFSET_SLACK
    walls: set[datetime] = set()
    if event.rrule is not None:
        walls.update(
            _rule_starts(parse_rrule(event.rrule), start_wall, lo, hi, local, event.all_day)
        )
    if lo <= start_wall <= hi:
        walls.add(start_wall)
    for extra in event.rdates:
        wall = _wall(extra, local)
        if lo <= wall <= hi:
            walls.add(wall)
    excluded = {value.astimezone(UTC) for value in event.exdates}
    found = []
    for wall in sorted(walls):
        start = _to_utc(wall, local)
        if start in excluded:
            continue
        end = _to_utc(wall + length, local)
        if _overlaps(start, end, range_start, range_end):
            found.append(occurrence_at(event, start, end, start))
    return found


def expand_all(
    events: Iterable[CalendarEvent], range_start: datetime, range_end: datetime
) -> list[Occurrence]:
    """Occurrences of all `events` overlapping the range, sorted by (start, uid)."""
    found: list[Occurrence] = []
    for event in events:
        found.extend(expand(event, range_start, range_end))
    found.sort(key=lambda occ: (occ.start, occ.uid))
    return found


def _overlaps(start: datetime, end: datetime, range_start: datetime, range_end: datetime) -> bool:
    if start == end:
        return range_start <= start < range_end
    return start < range_end and end > range_start
