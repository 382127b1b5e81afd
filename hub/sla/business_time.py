"""Business-time arithmetic: due times, elapsed business time and what counted.

All functions take aware datetimes in any zone and return UTC. ``cal`` may be a
:class:`BusinessCalendar` (compiled on first use and cached) or a :class:`CompiledCalendar`.
A pause is ``(start, end)``; ``end`` is ``None`` for a pause still running. Pauses may overlap,
begin before the clock started and start or end outside opening hours: only business time
outside every pause counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hub.sla.calendars import BusinessCalendar
from hub.sla.compiled import CompiledCalendar, compile_calendar, from_us, to_us

Pause = tuple[datetime, datetime | None]
CalendarLike = BusinessCalendar | CompiledCalendar

# An open pause never ends; any instant later than every representable datetime will do.
FOREVER = 1 << 62


class ClockPausedError(ValueError):
    """No due time exists: an open pause stops the clock before the duration is used up."""


def micros_of(duration: timedelta) -> int:
    """Exact microseconds of a timedelta."""
    return (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds


def merge_pauses(pauses: Sequence[Pause], after: int = -FOREVER) -> list[tuple[int, int]]:
    """Pauses as sorted, disjoint UTC-microsecond spans that end after ``after``.

    Overlapping and touching pauses become one; an open pause ends at a far-future sentinel.
    """
    spans = []
    for start, end in pauses:
        lo = to_us(start)
        hi = FOREVER if end is None else to_us(end)
        if hi < lo:
            raise ValueError(f"pause ends before it starts: {start.isoformat()} > {end}")
        if hi > after and hi > lo:
            spans.append((lo, hi))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def unpaused_segments(start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) outside the merged pause ``spans`` (microseconds)."""
    segments = []
    cursor = start
    for lo, hi in spans:
        if lo >= end:
            break
        if lo > cursor:
            segments.append((cursor, lo))
        cursor = max(cursor, hi)
        if cursor >= end:
            break
    if cursor < end:
        segments.append((cursor, end))
    return segments


def elapsed_micros(
    compiled: CompiledCalendar, start: int, end: int, spans: list[tuple[int, int]]
) -> int:
    """Unpaused business microseconds in [start, end) given merged pause ``spans``."""
    if not spans:
        if end <= start:
            return 0
        return compiled.business_before(end) - compiled.business_before(start)
    total = 0
    for lo, hi in unpaused_segments(start, end, spans):
        total += compiled.business_before(hi) - compiled.business_before(lo)
    return total


def due_micros(
    compiled: CompiledCalendar, start: int, wanted: Sequence[int], spans: list[tuple[int, int]]
) -> list[int]:
    """Due instants for ascending non-negative business durations ``wanted`` (microseconds),
    walking the pause gaps once for all of them."""
    dues: list[int] = []
    k = 0
    while k < len(wanted) and wanted[k] == 0:
        dues.append(start)
        k += 1
    used = 0
    cursor = start
    for lo, hi in spans:
        if hi <= cursor:
            continue
        if lo > cursor:
            base = compiled.business_before(cursor) - used
            available = compiled.business_before(lo) - base
            while k < len(wanted) and wanted[k] <= available:
                dues.append(compiled.instant_at(base + wanted[k]))
                k += 1
            if k == len(wanted):
                return dues
            used = available
        cursor = max(cursor, hi)
        if cursor >= FOREVER:
            left = timedelta(microseconds=wanted[k] - used)
            raise ClockPausedError(
                f"the clock is paused since {from_us(lo).isoformat()} with {left} of"
                " business time left"
            )
    if k < len(wanted):
        base = compiled.business_before(cursor) - used
        dues.extend(compiled.instant_at(base + want) for want in wanted[k:])
    return dues


def add_business_time(
    cal: CalendarLike,
    start: datetime,
    duration: timedelta,
    pauses: Sequence[Pause] = (),
) -> datetime:
    """The due time: the instant when ``duration`` of unpaused business time after ``start`` has
    been used up.

    A non-zero duration always ends inside an open interval or exactly at its end (never at
    the opening of the next interval); a zero duration returns ``start`` itself. Raises
    :class:`ClockPausedError` when an open pause (``end`` is ``None``) begins before the
    duration is used up, and ``ValueError`` for a negative duration or naive datetimes.
    """
    wanted = micros_of(duration)
    if wanted < 0:
        raise ValueError(f"negative duration {duration}")
    begin = to_us(start)
    spans = merge_pauses(pauses, begin) if pauses else []
    return from_us(due_micros(compile_calendar(cal), begin, (wanted,), spans)[0])


def add_business_times(
    cal: CalendarLike,
    start: datetime,
    durations: Sequence[timedelta],
    pauses: Sequence[Pause] = (),
) -> list[datetime]:
    """:func:`add_business_time` for several durations from one start, in their order, in one
    walk (e.g. the warning and the due time of a clock)."""
    wanted = [micros_of(duration) for duration in durations]
    if any(want < 0 for want in wanted):
        raise ValueError(f"negative duration in {[str(d) for d in durations]}")
    begin = to_us(start)
    spans = merge_pauses(pauses, begin) if pauses else []
    order = sorted(range(len(wanted)), key=wanted.__getitem__)
    dues = due_micros(compile_calendar(cal), begin, [wanted[i] for i in order], spans)
    result: list[datetime] = [start] * len(wanted)
    for position, due in zip(order, dues, strict=True):
        result[position] = from_us(due)
    return result


def business_time_between(
    cal: CalendarLike,
    start: datetime,
    end: datetime,
    pauses: Sequence[Pause] = (),
) -> timedelta:
    """Unpaused business time in [start, end); zero when ``end`` is not after ``start``."""
    begin = to_us(start)
    spans = merge_pauses(pauses, begin) if pauses else []
    return timedelta(microseconds=elapsed_micros(compile_calendar(cal), begin, to_us(end), spans))


def counted_intervals(
    cal: CalendarLike,
    start: datetime,
    end: datetime,
    pauses: Sequence[Pause] = (),
) -> list[tuple[datetime, datetime]]:
    """The intervals of [start, end) that count: open and unpaused, in order, in UTC.

    Their lengths add up to :func:`business_time_between` of the same arguments.
    """
    compiled = compile_calendar(cal)
    counted: list[tuple[datetime, datetime]] = []
    begin = to_us(start)
    spans = merge_pauses(pauses, begin) if pauses else []
    for lo, hi in unpaused_segments(begin, to_us(end), spans):
        for open_lo, open_hi in compiled.open_between(lo, hi):
            counted.append((from_us(open_lo), from_us(open_hi)))
    return counted


def is_open(cal: CalendarLike, at: datetime) -> bool:
    """Whether business time counts at ``at`` (ignoring pauses)."""
    return compile_calendar(cal).is_open(to_us(at))
