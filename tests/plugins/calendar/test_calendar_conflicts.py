"""Conflict rules (double booking, leave, working hours, maintenance) and sweep vs brute force."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from plugins.calendar.conflicts import (
    DOUBLE_BOOKING,
    MAINTENANCE_OVERLAP,
    ON_LEAVE,
    OUTSIDE_WORKING_HOURS,
    all_conflicts,
    check_booking,
    check_maintenance,
)
from plugins.calendar.events import CalendarEvent, Occurrence
from plugins.calendar.recurrence import expand

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: float) -> datetime:
    return datetime(2024, 4, day, tzinfo=BERLIN) + timedelta(hours=hour)


def occ(uid: str, kind: str, start: datetime, end: datetime, **extra) -> Occurrence:
    return Occurrence(
        uid=uid, kind=kind, title=uid, start=start.astimezone(UTC), end=end.astimezone(UTC), **extra
    )


def working_hours(technician: int = 1) -> list[Occurrence]:
    """Mon-Fri 09:00-17:00 Berlin, expanded over April 2024."""
    event = CalendarEvent(
        uid=f"availability-{technician}@atlas-hub",
        kind="availability",
        title="Working hours",
        start=at(1, 9),
        end=at(1, 17),
        tz="Europe/Berlin",
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        technician_id=technician,
    )
    return expand(event, at(1, 0), at(30, 0))


def test_double_booking_reports_the_overlap_span() -> None:
    existing = [occ("booking-1", "booking", at(2, 10), at(2, 12), technician_id=1)]
    candidate = occ("booking-2", "booking", at(2, 11), at(2, 13), technician_id=1)
    (conflict,) = check_booking(candidate, existing)
    assert conflict.kind == DOUBLE_BOOKING
    assert conflict.other_uid == "booking-1"
    assert (conflict.start, conflict.end) == (at(2, 11), at(2, 12))
    assert "technician 1 is already booked" in conflict.reason


def test_no_conflict_for_touching_other_technician_or_itself() -> None:
    existing = [
        occ("booking-1", "booking", at(2, 10), at(2, 11), technician_id=1),
        occ("booking-3", "booking", at(2, 11), at(2, 12), technician_id=2),
        occ("booking-2", "booking", at(2, 9), at(2, 12), technician_id=1),  # old self
    ]
    candidate = occ("booking-2", "booking", at(2, 11), at(2, 12), technician_id=1)
    assert check_booking(candidate, existing) == []


def test_booking_while_on_leave() -> None:
    leave = occ("leave-4", "leave", at(3, 0), at(6, 0), technician_id=1, all_day=True)
    candidate = occ("booking-2", "booking", at(5, 16), at(6, 2), technician_id=1)
    (conflict,) = check_booking(candidate, [leave])
    assert conflict.kind == ON_LEAVE
    assert (conflict.start, conflict.end) == (at(5, 16), at(6, 0))


def test_booking_outside_working_hours_reports_each_uncovered_part() -> None:
    hours = working_hours()
    inside = occ("booking-5", "booking", at(2, 9), at(2, 17), technician_id=1)
    assert check_booking(inside, hours) == []
    evening = occ("booking-6", "booking", at(2, 16), at(3, 10), technician_id=1)
    found = check_booking(evening, hours)
    assert [(c.kind, c.start, c.end, c.other_uid) for c in found] == [
        (OUTSIDE_WORKING_HOURS, at(2, 17), at(3, 9), None)
    ]
    saturday = occ("booking-7", "booking", at(6, 10), at(6, 11), technician_id=1)
    assert [c.kind for c in check_booking(saturday, hours)] == [OUTSIDE_WORKING_HOURS]


def test_working_hours_rule_needs_known_hours() -> None:
    candidate = occ("booking-8", "booking", at(6, 10), at(6, 11), technician_id=1)
    assert check_booking(candidate, []) == []
    (conflict,) = check_booking(candidate, [], has_working_hours=True)
    assert (conflict.start, conflict.end) == (at(6, 10), at(6, 11))
    assert check_booking(candidate, working_hours(), has_working_hours=False) == []


def test_maintenance_windows_overlap_for_same_customer_only() -> None:
    mine = occ("maintenance-1", "maintenance", at(2, 22), at(3, 4), customer_id=7)
    other = occ("maintenance-2", "maintenance", at(3, 1), at(3, 3), customer_id=8)
    candidate = occ("maintenance-3", "maintenance", at(3, 2), at(3, 6), customer_id=7)
    (conflict,) = check_maintenance(candidate, [mine, other, candidate])
    assert conflict.kind == MAINTENANCE_OVERLAP
    assert conflict.other_uid == "maintenance-1"
    assert (conflict.start, conflict.end) == (at(3, 2), at(3, 4))
    assert conflict.customer_id == 7


def test_all_conflicts_on_a_small_calendar() -> None:
    items = [
        *working_hours(1),
        occ("booking-1", "booking", at(2, 10), at(2, 12), technician_id=1),
        occ("booking-2", "booking", at(2, 11), at(2, 13), technician_id=1),
        occ("booking-3", "booking", at(2, 18), at(2, 19), technician_id=1),
        occ(
            "leave-1",
            "leave",
            at(
                2,
                12,
            ),
            at(2, 14),
            technician_id=1,
        ),
        occ("booking-4", "booking", at(2, 11), at(2, 12), technician_id=2),
        occ("maintenance-1", "maintenance", at(2, 22), at(3, 4), customer_id=7),
        occ("maintenance-2", "maintenance", at(3, 3), at(3, 6), customer_id=7),
    ]
    found = {(c.kind, c.uid, c.other_uid) for c in all_conflicts(items)}
    assert found == {
        (DOUBLE_BOOKING, "booking-2", "booking-1"),
        (ON_LEAVE, "booking-2", "leave-1"),
        (OUTSIDE_WORKING_HOURS, "booking-3", None),
        (MAINTENANCE_OVERLAP, "maintenance-2", "maintenance-1"),
    }
    # Technician 2 has no working hours unless the caller says so.
    found = all_conflicts(items, technicians_with_hours=[2])
    assert {(c.kind, c.uid) for c in found if c.kind == OUTSIDE_WORKING_HOURS} == {
        (OUTSIDE_WORKING_HOURS, "booking-4")
    }


def _brute_force(items: list[Occurrence]) -> set[tuple]:
    """Every rule by comparing all pairs: the O(n^2) definition the sweep must match."""
    found = set()
    with_hours = {o.technician_id for o in items if o.kind == "availability"}
    for a, b in itertools.permutations(items, 2):
        if not (a.start < b.end and b.start < a.end):
            continue
        later = (a.start, a.end) >= (b.start, b.end)
        same_tech = a.technician_id is not None and a.technician_id == b.technician_id
        if a.kind == b.kind == "booking" and same_tech and later:
            found.add((DOUBLE_BOOKING, a.uid, b.uid))
        if a.kind == "booking" and b.kind == "leave" and same_tech:
            found.add((ON_LEAVE, a.uid, b.uid))
        if a.kind == b.kind == "maintenance" and a.customer_id == b.customer_id and later:
            found.add((MAINTENANCE_OVERLAP, a.uid, b.uid))
    for a in items:
        if a.kind == "booking" and a.technician_id in with_hours:
            hours = [
                o for o in items if o.kind == "availability" and o.technician_id == a.technician_id
            ]
            covered = all(
                any(h.start <= t < h.end for h in hours)
                for t in (
                    a.start + timedelta(minutes=m)
                    for m in range(0, int(a.duration.total_seconds() // 60), 15)
                )
            )
            if not covered:
                found.add((OUTSIDE_WORKING_HOURS, a.uid, None))
    return found


def _symmetric(found: Iterable[tuple]) -> set[tuple]:
    """Pairs of one kind are unordered when both items have the same start and end."""
    return {
        (kind, frozenset((uid, other)))
        if kind in (DOUBLE_BOOKING, MAINTENANCE_OVERLAP)
        else (kind, uid, other)
        for kind, uid, other in found
    }


def test_sweep_matches_brute_force_on_random_calendars() -> None:
    rng = random.Random(8)
    for _ in range(20):
        items = []
        for number in range(120):
            kind = rng.choice(["booking", "booking", "leave", "maintenance", "availability"])
            start = at(1, 0) + timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 10))
            end = start + timedelta(minutes=15 * rng.randrange(1, 40))
            items.append(
                occ(
                    f"{kind}-{number}",
                    kind,
                    start,
                    end,
                    technician_id=rng.choice([1, 2, 3]) if kind != "maintenance" else None,
                    customer_id=rng.choice([7, 8]) if kind == "maintenance" else None,
                )
            )
        got = [(c.kind, c.uid, c.other_uid) for c in all_conflicts(items)]
        assert _symmetric(got) == _symmetric(_brute_force(items))
        pairs = [c for c in got if c[0] in (DOUBLE_BOOKING, MAINTENANCE_OVERLAP)]
        assert len(pairs) == len(_symmetric(pairs))  # each pair reported once
