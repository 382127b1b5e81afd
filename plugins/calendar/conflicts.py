"""Conflict rules over expanded occurrences.

Rules:
* ``double_booking``: two bookings of one technician overlap.
* ``on_leave``: a booking overlaps the technician's leave.
* ``outside_working_hours``: part of a booking is not covered by the technician's
  working hours (``availability`` occurrences). Checked for technicians that have
  working hours at all, unless the caller says who has them.
* ``maintenance_overlap``: two maintenance windows of one customer overlap.

Callers expand recurring events over a range that covers the candidates first
(`recurrence.expand_all`); a technician's working hours must be expanded over the whole
booking, or the uncovered part is reported as outside working hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

import msgspec

from plugins.calendar.events import AVAILABILITY, BOOKING, LEAVE, MAINTENANCE, Occurrence
from plugins.calendar.intervals import (
    Span,
    cross_pairs,
    intersection,
    merge,
    overlapping_pairs,
    uncovered,
)

DOUBLE_BOOKING = "double_booking"
ON_LEAVE = "on_leave"
OUTSIDE_WORKING_HOURS = "outside_working_hours"
MAINTENANCE_OVERLAP = "maintenance_overlap"


class Conflict(msgspec.Struct, frozen=True, kw_only=True):
    """One broken rule: occurrence `uid` clashes with `other_uid` during ``[start, end)``.

    `other_uid` is None for ``outside_working_hours`` (the clash is with no event).
    """

    kind: str
    reason: str
    uid: str
    recurrence_id: datetime | None
    other_uid: str | None
    other_recurrence_id: datetime | None
    start: datetime
    end: datetime
    technician_id: int | None = None
    customer_id: int | None = None


def _fmt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _pair(kind: str, subject: Occurrence, other: Occurrence, reason: str) -> Conflict:
    start, end = intersection(subject, other)
    return Conflict(
        kind=kind,
        reason=f"{reason} ({_fmt(start)} - {_fmt(end)})",
        uid=subject.uid,
        recurrence_id=subject.recurrence_id,
        other_uid=other.uid,
        other_recurrence_id=other.recurrence_id,
        start=start,
        end=end,
        technician_id=subject.technician_id,
        customer_id=subject.customer_id,
    )


def _double_booking(subject: Occurrence, other: Occurrence) -> Conflict:
    reason = f"technician {subject.technician_id} is already booked for {other.title!r}"
    return _pair(DOUBLE_BOOKING, subject, other, reason)


def _on_leave(booking: Occurrence, leave: Occurrence) -> Conflict:
    reason = f"technician {booking.technician_id} is on leave ({leave.title!r})"
    return _pair(ON_LEAVE, booking, leave, reason)


def _maintenance(subject: Occurrence, other: Occurrence) -> Conflict:
    reason = f"customer {subject.customer_id} already has maintenance window {other.title!r}"
    return _pair(MAINTENANCE_OVERLAP, subject, other, reason)


def _outside(booking: Occurrence, hours: list[Span]) -> list[Conflict]:
    return [
        Conflict(
            kind=OUTSIDE_WORKING_HOURS,
            reason=(
                f"technician {booking.technician_id} does not work {_fmt(start)} - {_fmt(end)}"
            ),
            uid=booking.uid,
            recurrence_id=booking.recurrence_id,
            other_uid=None,
            other_recurrence_id=None,
            start=start,
            end=end,
            technician_id=booking.technician_id,
            customer_id=booking.customer_id,
        )
        for start, end in uncovered((booking.start, booking.end), hours)
    ]


def _overlap(a: Occurrence, b: Occurrence) -> bool:
    return a.start < b.end and b.start < a.end


def check_booking(
    candidate: Occurrence,
    existing: Iterable[Occurrence],
    *,
    has_working_hours: bool | None = None,
) -> list[Conflict]:
    """Conflicts a (new or moved) booking would have with `existing` occurrences.

    Only occurrences of the candidate's technician count; the candidate's own
    (uid, recurrence_id) in `existing` is skipped, so a moved booking does not clash
    with its old self. `has_working_hours` None means "if any availability is given".
    """
    if candidate.technician_id is None:
        return []
    conflicts: list[Conflict] = []
    hours: list[Span] = []
    for other in existing:
        if other.technician_id != candidate.technician_id or other.key == candidate.key:
            continue
        if other.kind == AVAILABILITY:
            hours.append((other.start, other.end))
        elif other.kind == BOOKING and _overlap(candidate, other):
            conflicts.append(_double_booking(candidate, other))
        elif other.kind == LEAVE and _overlap(candidate, other):
            conflicts.append(_on_leave(candidate, other))
    if has_working_hours or (has_working_hours is None and hours):
        conflicts.extend(_outside(candidate, merge(hours)))
    return sorted(conflicts, key=lambda c: (c.start, c.kind))


def check_maintenance(candidate: Occurrence, existing: Iterable[Occurrence]) -> list[Conflict]:
    """Maintenance windows of the candidate's customer that overlap the candidate."""
    if candidate.customer_id is None:
        return []
    conflicts = [
        _maintenance(candidate, other)
        for other in existing
        if other.kind == MAINTENANCE
        and other.customer_id == candidate.customer_id
        and other.key != candidate.key
        and _overlap(candidate, other)
    ]
    return sorted(conflicts, key=lambda c: c.start)


def all_conflicts(
    occurrences: Iterable[Occurrence],
    *,
    technicians_with_hours: Collection[int] | None = None,
) -> list[Conflict]:
    """Every rule over a whole set of occurrences, by sweep lines per technician/customer.

    Each overlapping pair is reported once, as a conflict of the later-starting item.
    `technicians_with_hours` None means technicians with any availability occurrence.
    """
    bookings: dict[int, list[Occurrence]] = defaultdict(list)
    leaves: dict[int, list[Occurrence]] = defaultdict(list)
    hours: dict[int, list[Span]] = defaultdict(list)
    windows: dict[int, list[Occurrence]] = defaultdict(list)
    for occ in occurrences:
        if occ.kind == MAINTENANCE and occ.customer_id is not None:
            windows[occ.customer_id].append(occ)
        if occ.technician_id is None:
            continue
        if occ.kind == BOOKING:
            bookings[occ.technician_id].append(occ)
        elif occ.kind == LEAVE:
            leaves[occ.technician_id].append(occ)
        elif occ.kind == AVAILABILITY:
            hours[occ.technician_id].append((occ.start, occ.end))
    checked = set(hours) if technicians_with_hours is None else set(technicians_with_hours)
    conflicts: list[Conflict] = []
    for technician, booked in bookings.items():
        for earlier, later in overlapping_pairs(booked):
            conflicts.append(_double_booking(later, earlier))
        for booking, leave in cross_pairs(booked, leaves.get(technician, ())):
            conflicts.append(_on_leave(booking, leave))
        if technician in checked:
            merged = merge(hours.get(technician, ()))
            for booking in booked:
                conflicts.extend(_outside(booking, merged))
    for planned in windows.values():
        for earlier, later in overlapping_pairs(planned):
            conflicts.append(_maintenance(later, earlier))
    conflicts.sort(key=lambda c: (c.start, c.kind, c.uid))
    return conflicts
