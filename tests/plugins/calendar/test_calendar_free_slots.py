"""Next free slots for a technician and for a team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from plugins.calendar.errors import CalendarError
from plugins.calendar.events import CalendarEvent, Occurrence
from plugins.calendar.free_slots import free_spans, next_free_slots, next_free_team_slots
from plugins.calendar.recurrence import expand

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def at(day: int, hour: float, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(2024, 4, day, tzinfo=tz) + timedelta(hours=hour)


def busy(uid: str, start: datetime, end: datetime, technician: int = 1) -> Occurrence:
    return Occurrence(
        uid=uid,
        kind="booking",
        title=uid,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        technician_id=technician,
    )


def hours(technician: int = 1, tz: str = "Europe/Berlin", start: float = 9) -> list[Occurrence]:
    zone = ZoneInfo(tz)
    event = CalendarEvent(
        uid=f"availability-{technician}@atlas-hub",
        kind="availability",
        title="Working hours",
        start=at(1, start, zone),
        end=at(1, 17, zone),
        tz=tz,
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        technician_id=technician,
    )
    return expand(event, at(1, 0), at(15, 0))


def local(slots) -> list[str]:
    return [s.start.astimezone(BERLIN).strftime("%d %H:%M") for s in slots]


def test_slots_skip_bookings_and_too_short_gaps() -> None:
    booked = [busy("b1", at(2, 9), at(2, 10.5)), busy("b2", at(2, 11), at(2, 12))]
    slots = next_free_slots(HOUR, booked, hours(), at(2, 8))
    assert local(slots) == ["02 12:00", "02 13:00", "02 14:00"]
    assert all(s.end - s.start == HOUR for s in slots)
    slots = next_free_slots(timedelta(minutes=30), booked, hours(), at(2, 8), count=2)
    assert local(slots) == ["02 10:30", "02 12:00"]


def test_start_is_rounded_up_to_the_step_grid() -> None:
    slots = next_free_slots(HOUR, [], hours(), at(2, 12 + 7 / 60), count=1)
    assert local(slots) == ["02 12:15"]
    slots = next_free_slots(
        HOUR, [], hours(), at(2, 12 + 7 / 60), count=1, step=timedelta(minutes=30)
    )
    assert local(slots) == ["02 12:30"]


def test_search_continues_over_the_weekend_and_leave() -> None:
    leave = busy("leave", at(8, 0), at(9, 0))  # all of Monday the 8th
    slots = next_free_slots(timedelta(hours=4), [leave], hours(), at(5, 14), count=3)
    assert local(slots) == ["09 09:00", "09 13:00", "10 09:00"]


def test_grid_follows_local_midnight_in_half_hour_zones() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    window = [busy("w", at(2, 0, kolkata), at(3, 0, kolkata))]
    slots = next_free_slots(
        HOUR, [], window, at(2, 9.2, kolkata), count=2, step=HOUR, tz="Asia/Kolkata"
    )
    assert [s.start.astimezone(kolkata).strftime("%H:%M") for s in slots] == ["10:00", "11:00"]
    # The same instants are at :30 past the hour in UTC.
    assert [s.start.minute for s in slots] == [30, 30]


def test_fewer_slots_when_the_horizon_is_full() -> None:
    window = [busy("w", at(2, 9), at(2, 11))]
    assert len(next_free_slots(HOUR, [], window, at(2, 0), count=5)) == 2
    assert next_free_slots(HOUR, window, window, at(2, 0)) == []


def test_team_slot_names_the_free_member_preferring_member_order() -> None:
    booked = [
        busy("a", at(2, 9), at(2, 14), technician=1),
        busy("b", at(2, 9), at(2, 10), technician=2),
    ]
    working = hours(1) + hours(2)
    slots = next_free_team_slots(2 * HOUR, [1, 2], booked, working, at(2, 8), count=3)
    assert [(s.technician_id, local([s])[0]) for s in slots] == [
        (2, "02 10:00"),
        (2, "02 12:00"),
        (1, "02 14:00"),
    ]
    # With both free, the first listed member gets the slot.
    slots = next_free_team_slots(HOUR, [2, 1], [], working, at(3, 9), count=1)
    assert slots[0].technician_id == 2


def test_team_member_with_late_start_hours() -> None:
    working = hours(1, start=13) + hours(2)
    booked = [busy("b", at(2, 9), at(2, 17), technician=2)]
    slots = next_free_team_slots(HOUR, [2, 1], booked, working, at(2, 8), count=1)
    assert (slots[0].technician_id, local(slots)) == (1, ["02 13:00"])


def test_free_spans_subtract_busy_from_hours() -> None:
    spans = free_spans([busy("b", at(2, 10), at(2, 11))], [busy("h", at(2, 9), at(2, 12))])
    assert spans == [(at(2, 9), at(2, 10)), (at(2, 11), at(2, 12))]


@pytest.mark.parametrize(
    ("duration", "step", "count"),
    [(timedelta(0), timedelta(minutes=15), 1), (HOUR, timedelta(0), 1), (HOUR, HOUR, 0)],
)
def test_invalid_queries(duration: timedelta, step: timedelta, count: int) -> None:
    with pytest.raises(CalendarError):
        next_free_slots(duration, [], [], at(2, 0), count=count, step=step)
