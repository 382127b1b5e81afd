"""On-call rotations: who carries the pager for a team at a given moment.

A rotation hands over at a fixed local wall time (e.g. Monday 09:00 Europe/Berlin) every
`period_days`, walking `members` in order. Hand-overs are computed in the team's zone, so
they stay at 09:00 local across DST and a shift spanning the change is an hour shorter or
longer in UTC. Overrides put another technician on call for a span, either in place of one
particular member (a swap) or of whoever is scheduled (cover).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from plugins.calendar.events import (
    ONCALL,
    UID_DOMAIN,
    CalendarError,
    Occurrence,
    require_aware,
    zone,
)


class OnCallOverride(msgspec.Struct, frozen=True, kw_only=True):
    """`technician_id` is on call during ``[start, end)``.

    With `replaces` set it applies only while that member is scheduled (a swap is two
    overrides); with None it covers whoever is scheduled. Later overrides in the
    rotation's list win over earlier ones where they overlap.
    """

    technician_id: int
    start: datetime
    end: datetime
    replaces: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        require_aware("override start", self.start)
        require_aware("override end", self.end)
        if self.end <= self.start:
            raise CalendarError("override end must be after its start")


class OnCallRotation(msgspec.Struct, frozen=True, kw_only=True):
    """A team's rotation; the first hand-over is at `handover_time` on `start_date`
    (or on the first `handover_weekday`, 0 = Monday, on or after it)."""

    team_id: int
    members: list[int]
    tz: str
    start_date: date
    handover_time: time = time(9, 0)
    handover_weekday: int | None = None
    period_days: int = 7
    overrides: list[OnCallOverride] = []

    def __post_init__(self) -> None:
        if not self.members:
            raise CalendarError("a rotation needs at least one member")
        zone(self.tz)
        if self.period_days < 1:
            raise CalendarError("period_days must be >= 1")
        if self.handover_weekday is not None:
            if not 0 <= self.handover_weekday <= 6:
                raise CalendarError("handover_weekday must be 0 (Monday) .. 6 (Sunday)")
            if self.period_days % 7:
                raise CalendarError("a weekday hand-over needs period_days in whole weeks")
        if self.handover_time.tzinfo is not None:
            raise CalendarError("handover_time is local wall time: give it without tzinfo")

    @property
    def first_handover_date(self) -> date:
        """Local date of the first hand-over."""
        if self.handover_weekday is None:
            return self.start_date
        ahead = (self.handover_weekday - self.start_date.weekday()) % 7
        return self.start_date + timedelta(days=ahead)


def handover_at(rotation: OnCallRotation, index: int) -> datetime:
    """UTC instant of hand-over number `index` (0 = the first)."""
    day = rotation.first_handover_date + timedelta(days=index * rotation.period_days)
    local = datetime.combine(day, rotation.handover_time, tzinfo=zone(rotation.tz))
    return local.astimezone(UTC)


def shift_index(rotation: OnCallRotation, at: datetime) -> int:
    """Number of the scheduled shift running at `at`; negative before the first hand-over."""
    require_aware("at", at)
    local_day = at.astimezone(zone(rotation.tz)).date()
    index = (local_day - rotation.first_handover_date).days // rotation.period_days
    # The local date puts us in shift `index` or, before that day's hand-over time, the one before.
    if at < handover_at(rotation, index):
        index -= 1
    return index


def scheduled_member(rotation: OnCallRotation, at: datetime) -> int | None:
    """Member the plain rotation puts on call at `at`, ignoring overrides."""
    index = shift_index(rotation, at)
    return None if index < 0 else rotation.members[index % len(rotation.members)]


def _applies(override: OnCallOverride, scheduled: int) -> bool:
    return override.replaces is None or override.replaces == scheduled


def who_is_on_call(rotation: OnCallRotation, at: datetime) -> int | None:
    """Technician on call for the team at `at`, overrides included; None before the start."""
    scheduled = scheduled_member(rotation, at)
    if scheduled is None:
        return None
    for override in reversed(rotation.overrides):
        if override.start <= at < override.end and _applies(override, scheduled):
            return override.technician_id
    return scheduled


def _pieces(
    rotation: OnCallRotation, scheduled: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int, bool]]:
    """Split one scheduled shift by the overrides that apply to it."""
    active = [
        o for o in rotation.overrides if o.start < end and o.end > start and _applies(o, scheduled)
    ]
    cuts = sorted(
        {start, end, *(max(o.start, start) for o in active), *(min(o.end, end) for o in active)}
    )
    pieces: list[tuple[datetime, datetime, int, bool]] = []
    for left, right in itertools.pairwise(cuts):
        who, covered = scheduled, False
        for override in reversed(active):
            if override.start <= left and override.end >= right:
                who, covered = override.technician_id, True
                break
        if pieces and pieces[-1][2] == who and pieces[-1][3] == covered:
            pieces[-1] = (pieces[-1][0], right, who, covered)
        else:
            pieces.append((left, right, who, covered))
    return pieces


def shifts(rotation: OnCallRotation, start: datetime, end: datetime) -> list[Occurrence]:
    """On-call occurrences overlapping ``[start, end)``, split at hand-overs and overrides.

    Each occurrence is a whole (not clipped) piece of a shift; its UID is derived from the
    team and the piece's start, so it stays stable while the rotation is unchanged.
    """
    require_aware("start", start)
    require_aware("end", end)
    found: list[Occurrence] = []
    index = max(shift_index(rotation, start), 0)
    begin = handover_at(rotation, index)
    while begin < end:
        finish = handover_at(rotation, index + 1)
        scheduled = rotation.members[index % len(rotation.members)]
        for left, right, who, covered in _pieces(rotation, scheduled, begin, finish):
            if left < end and right > start:
                found.append(_occurrence(rotation, left, right, who, scheduled, covered, index))
        index, begin = index + 1, finish
    return found


def _occurrence(
    rotation: OnCallRotation,
    start: datetime,
    end: datetime,
    who: int,
    scheduled: int,
    covered: bool,
    index: int,
) -> Occurrence:
    stamp = start.strftime("%Y%m%dT%H%M%SZ")
    note = f" (covering for {scheduled})" if covered else ""
    return Occurrence(
        uid=f"{ONCALL}-{rotation.team_id}-{stamp}@{UID_DOMAIN}",
        kind=ONCALL,
        title=f"On call: technician {who}{note}",
        start=start,
        end=end,
        tz=rotation.tz,
        technician_id=who,
        team_id=rotation.team_id,
        meta={"scheduled": scheduled, "override": covered, "shift": index},
    )
