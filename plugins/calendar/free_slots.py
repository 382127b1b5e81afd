"""Next free slots for a technician or a team.

Free time is working hours (``availability`` occurrences) minus busy occurrences
(bookings, leave, maintenance the technician runs: whatever the caller passes as busy).
Slot starts lie on a grid of `step` counted from local midnight in `tz`, so 15-minute
steps give :00/:15/:30/:45 local even in zones with half-hour offsets. Returned slots do
not overlap each other: each next slot starts at or after the previous one's end, so
the caller gets distinct choices rather than 09:00, 09:15 and 09:30.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from plugins.calendar.events import CalendarError, Occurrence, require_aware, zone
from plugins.calendar.intervals import Span, merge, uncovered

DEFAULT_STEP = timedelta(minutes=15)


class Slot(msgspec.Struct, frozen=True, kw_only=True):
    """A free ``[start, end)`` in UTC; `technician_id` says who is free."""

    start: datetime
    end: datetime
    technician_id: int | None = None


def free_spans(busy: Iterable[Occurrence], working_hours: Iterable[Occurrence]) -> list[Span]:
    """Sorted, disjoint spans inside working hours that no busy occurrence touches."""
    blocked = merge((occ.start, occ.end) for occ in busy)
    free: list[Span] = []
    for span in merge((occ.start, occ.end) for occ in working_hours):
        free.extend(uncovered(span, blocked))
    return free


def _on_grid(moment: datetime, step: timedelta, local: ZoneInfo) -> datetime:
    """First instant >= `moment` whose local wall time is a multiple of `step` after midnight."""
    wall = moment.astimezone(local)
    since_midnight = timedelta(
        hours=wall.hour, minutes=wall.minute, seconds=wall.second, microseconds=wall.microsecond
    )
    remainder = since_midnight % step
    return moment if not remainder else moment + (step - remainder)


def _earliest(
    free: Sequence[Span],
    not_before: datetime,
    duration: timedelta,
    step: timedelta,
    local: ZoneInfo,
) -> datetime | None:
    """Earliest grid start >= `not_before` with `duration` inside one free span."""
    first = bisect.bisect_right(free, not_before, key=lambda span: span[1])
    for index in range(first, len(free)):
        left, right = free[index]
        begin = _on_grid(max(left, not_before), step, local).astimezone(UTC)
        if begin + duration <= right:
            return begin
    return None


def _check(duration: timedelta, step: timedelta, start: datetime, count: int) -> None:
    require_aware("start", start)
    if duration <= timedelta(0) or step <= timedelta(0):
        raise CalendarError("duration and step must be positive")
    if count < 1:
        raise CalendarError("count must be >= 1")


def next_free_slots(
    duration: timedelta,
    busy: Iterable[Occurrence],
    working_hours: Iterable[Occurrence],
    start: datetime,
    count: int = 3,
    step: timedelta = DEFAULT_STEP,
    *,
    tz: str = "UTC",
    technician_id: int | None = None,
) -> list[Slot]:
    """Up to `count` non-overlapping free slots of `duration`, the first at or after `start`.

    Searches only inside the given working-hours occurrences, so expand them over the
    horizon you want searched; fewer than `count` slots means the horizon is full.
    """
    _check(duration, step, start, count)
    local = zone(tz)
    free = free_spans(busy, working_hours)
    slots: list[Slot] = []
    cursor = start
    while len(slots) < count:
        begin = _earliest(free, cursor, duration, step, local)
        if begin is None:
            break
        slots.append(Slot(start=begin, end=begin + duration, technician_id=technician_id))
        cursor = begin + duration
    return slots


def next_free_team_slots(
    duration: timedelta,
    members: Sequence[int],
    busy: Iterable[Occurrence],
    working_hours: Iterable[Occurrence],
    start: datetime,
    count: int = 3,
    step: timedelta = DEFAULT_STEP,
    *,
    tz: str = "UTC",
) -> list[Slot]:
    """Up to `count` non-overlapping slots in which at least one member is free.

    Occurrences are assigned to members by `technician_id`; each slot names the member
    who is free, preferring earlier members of `members` when several are.
    """
    _check(duration, step, start, count)
    local = zone(tz)
    busy_by: dict[int, list[Occurrence]] = defaultdict(list)
    hours_by: dict[int, list[Occurrence]] = defaultdict(list)
    for occ in busy:
        if occ.technician_id is not None:
            busy_by[occ.technician_id].append(occ)
    for occ in working_hours:
        if occ.technician_id is not None:
            hours_by[occ.technician_id].append(occ)
    free = {m: free_spans(busy_by.get(m, ()), hours_by.get(m, ())) for m in members}
    slots: list[Slot] = []
    cursor = start
    while len(slots) < count:
        best: tuple[datetime, int] | None = None
        for member in members:
            begin = _earliest(free[member], cursor, duration, step, local)
            if begin is not None and (best is None or begin < best[0]):
                best = (begin, member)
        if best is None:
            break
        begin, member = best
        slots.append(Slot(start=begin, end=begin + duration, technician_id=member))
        cursor = begin + duration
    return slots
