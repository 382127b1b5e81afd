"""SLA clocks: the state of a first-response or resolution clock at a given moment.

A clock starts when the item arrived (the SMTP receive time, the alert's start time). The
first-response clock stops at the first outbound reply, the resolution clock when the task is
Resolved. While the task is Waiting on Customer the clock is paused, if the target says so.
Everything here is pure: the caller passes the moments, including ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from hub.sla.business_time import (
    CalendarLike,
    Pause,
    due_micros,
    elapsed_micros,
    merge_pauses,
    micros_of,
    unpaused_segments,
)
from hub.sla.calendars import ALWAYS_OPEN, BusinessCalendar
from hub.sla.compiled import US_PER_SECOND, compile_calendar, from_us, to_us

ClockKind = Literal["first_response", "resolution"]
ClockStateName = Literal["running", "paused", "met", "breached"]
WAITING_STATUS = "waiting_on_customer"


class SlaTarget(msgspec.Struct, kw_only=True, frozen=True):
    """Targets of one SLA policy row. ``calendar`` ``None`` means 24x7."""

    first_response: timedelta
    resolution: timedelta
    calendar: BusinessCalendar | None = None
    pause_on_waiting: bool = True

    def __post_init__(self) -> None:
        for name in ("first_response", "resolution"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"{name}: an SLA target cannot be negative")


class ClockState(msgspec.Struct, kw_only=True, frozen=True):
    """One clock at one moment. Seconds are business seconds; datetimes are UTC.

    ``due_at`` and ``warn_at`` of a paused clock assume the pause ends now, so they move
    forward while the pause lasts. A clock stopped after its due time is ``breached`` and
    keeps ``met_at``.
    """

    kind: ClockKind
    target_seconds: float
    due_at: datetime
    elapsed_seconds: float
    remaining_seconds: float
    state: ClockStateName
    warn_at: datetime
    breached_at: datetime | None = None
    met_at: datetime | None = None
    paused_since: datetime | None = None


class PauseSpan(msgspec.Struct, frozen=True):
    """A pause as given (``end`` ``None`` while it lasts)."""

    start: datetime
    end: datetime | None


class CountedInterval(msgspec.Struct, frozen=True):
    """A stretch of time that counted towards the clock."""

    start: datetime
    end: datetime
    seconds: float


class SlaExplanation(msgspec.Struct, kw_only=True, frozen=True):
    """Why a clock stands where it does (the body of ``GET /tasks/{id}/sla`` per clock)."""

    kind: ClockKind
    calendar: str
    timezone: str
    always_open: bool
    target_seconds: float
    started_at: datetime
    pauses: list[PauseSpan]
    pauses_counted_as_pauses: bool
    counted: list[CountedInterval]
    counted_seconds: float
    clock: ClockState


def _resolve_calendar(target: SlaTarget, calendar: CalendarLike | None) -> CalendarLike:
    # The caller's calendar wins: it has already chosen between customer and policy calendars.
    if calendar is not None:
        return calendar
    return target.calendar if target.calendar is not None else ALWAYS_OPEN


def _target(kind: ClockKind, target: SlaTarget) -> timedelta:
    if kind == "first_response":
        return target.first_response
    if kind == "resolution":
        return target.resolution
    raise ValueError(f"unknown clock kind {kind!r} (first_response or resolution)")


def _effective_spans(
    target: SlaTarget, pauses: Sequence[Pause], start: int, end: int
) -> list[tuple[int, int]]:
    """Merged pauses as known at ``end``: later parts are unknown, open ones end there."""
    if not target.pause_on_waiting or not pauses:
        return []
    return [(lo, min(hi, end)) for lo, hi in merge_pauses(pauses, start) if lo < end]


def _paused_since(pauses: Sequence[Pause], at: int) -> datetime | None:
    """Start of the (merged) pause containing ``at``, if any."""
    for lo, hi in merge_pauses(pauses):
        if lo <= at < hi:
            return from_us(lo)
    return None


def compute_clock(
    kind: ClockKind,
    target: SlaTarget,
    calendar: CalendarLike | None,
    started_at: datetime,
    pauses: Sequence[Pause],
    stopped_at: datetime | None,
    now: datetime,
    warn_share: float = 0.75,
) -> ClockState:
    """The state of the ``kind`` clock of a task at ``now``.

    ``calendar`` overrides ``target.calendar`` when given (``None`` for both means 24x7).
    ``pauses`` are the Waiting-on-Customer intervals (see :func:`waiting_pauses`); they only
    pause the clock when ``target.pause_on_waiting``. ``stopped_at`` is the first outbound reply
    (first response) or the Resolved time (resolution), ``None`` while the clock runs.
    ``warn_at`` is when ``warn_share`` of the target will have elapsed.
    """
    if not 0 < warn_share <= 1:
        raise ValueError(f"warn_share must be in (0, 1], not {warn_share}")
    goal = _target(kind, target)
    goal_us = micros_of(goal)
    warn_us = round(goal_us * warn_share)
    cal = compile_calendar(_resolve_calendar(target, calendar))
    start = to_us(started_at)
    at = to_us(now)
    end = max(to_us(stopped_at) if stopped_at is not None else at, start)
    spans = _effective_spans(target, pauses, start, end)

    if spans or goal_us == 0:
        elapsed = elapsed_micros(cal, start, end, spans)
        warn, due = due_micros(cal, start, (warn_us, goal_us), spans)
    else:
        # The common case, inlined: no pauses, so one running sum at the start serves all.
        base = cal.business_before(start)
        elapsed = cal.business_before(end) - base
        warn = cal.instant_at(base + warn_us) if warn_us else start
        due = cal.instant_at(base + goal_us)
    state: ClockStateName
    breached_at = met_at = paused_since = None
    if stopped_at is not None:
        met_at = from_us(end)
        state = "met" if end <= due else "breached"
    elif at > due:
        state = "breached"
    else:
        paused_since = _paused_since(pauses, at) if target.pause_on_waiting and pauses else None
        state = "paused" if paused_since is not None else "running"
    due_at = from_us(due)
    if state == "breached":
        breached_at = due_at
    return ClockState(
        kind=kind,
        target_seconds=goal.total_seconds(),
        due_at=due_at,
        elapsed_seconds=elapsed / US_PER_SECOND,
        remaining_seconds=(goal_us - elapsed) / US_PER_SECOND,
        state=state,
        warn_at=from_us(warn),
        breached_at=breached_at,
        met_at=met_at,
        paused_since=paused_since,
    )


def explain(
    kind: ClockKind,
    target: SlaTarget,
    calendar: CalendarLike | None,
    started_at: datetime,
    pauses: Sequence[Pause],
    stopped_at: datetime | None,
    now: datetime,
    warn_share: float = 0.75,
) -> SlaExplanation:
    """The clock of :func:`compute_clock` with the calendar, target, pauses and the exact
    intervals that counted from ``started_at`` to the stop (or ``now``)."""
    clock = compute_clock(kind, target, calendar, started_at, pauses, stopped_at, now, warn_share)
    cal = compile_calendar(_resolve_calendar(target, calendar))
    start = to_us(started_at)
    end = max(to_us(stopped_at) if stopped_at is not None else to_us(now), start)
    spans = _effective_spans(target, pauses, start, end)
    counted = [
        CountedInterval(from_us(lo), from_us(hi), (hi - lo) / US_PER_SECOND)
        for segment_lo, segment_hi in unpaused_segments(start, end, spans)
        for lo, hi in cal.open_between(segment_lo, segment_hi)
    ]
    return SlaExplanation(
        kind=kind,
        calendar=cal.name,
        timezone=cal.calendar.timezone,
        always_open=cal.always_open,
        target_seconds=clock.target_seconds,
        started_at=from_us(to_us(started_at)),
        pauses=[
            PauseSpan(from_us(to_us(lo)), None if hi is None else from_us(to_us(hi)))
            for lo, hi in pauses
        ],
        pauses_counted_as_pauses=target.pause_on_waiting,
        counted=counted,
        counted_seconds=sum(interval.seconds for interval in counted),
        clock=clock,
    )


def waiting_pauses(transitions: Sequence[tuple[datetime, str]]) -> list[Pause]:
    """Pauses from a task's status history of ``(at, new_status)`` pairs.

    A pause runs from each change into ``waiting_on_customer`` to the next change out of it;
    the last one stays open (``end`` ``None``) while the task is still waiting.
    """
    pauses: list[Pause] = []
    since: datetime | None = None
    for at, status in sorted(transitions, key=lambda item: item[0]):
        if status == WAITING_STATUS and since is None:
            since = at
        elif status != WAITING_STATUS and since is not None:
            pauses.append((since, at))
            since = None
    if since is not None:
        pauses.append((since, None))
    return pauses
