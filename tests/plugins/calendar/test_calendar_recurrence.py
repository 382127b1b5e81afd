"""Recurrence expansion: local wall time across DST, exceptions, COUNT/UNTIL, ranges."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du

from plugins.calendar.events import CalendarEvent
from plugins.calendar.recurrence import expand, expand_all

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def window(
    start: datetime, hours: float = 8, rrule: str | None = "FREQ=WEEKLY", **extra
) -> CalendarEvent:
    return CalendarEvent(
        uid="maintenance-1@atlas-hub",
        kind="maintenance",
        title="Patch window",
        start=start,
        end=start + timedelta(hours=hours),
        tz=start.tzinfo.key,  # type: ignore[union-attr]
        rrule=rrule,
        **extra,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekly_berlin_window_keeps_22_local_across_spring_dst() -> None:
    event = window(datetime(2024, 3, 15, 22, tzinfo=BERLIN))
    found = expand(event, utc(2024, 3, 15), utc(2024, 4, 13))
    assert [o.start.astimezone(BERLIN).hour for o in found] == [22, 22, 22, 22, 22]
    assert [o.start for o in found] == [
        utc(2024, 3, 15, 21),
        utc(2024, 3, 22, 21),
        utc(2024, 3, 29, 21),  # night of the change: starts in CET
        utc(2024, 4, 5, 20),
        utc(2024, 4, 12, 20),
    ]
    # The window spanning the change still ends at 06:00 local (7 real hours).
    assert found[2].end == utc(2024, 3, 30, 5)
    assert found[3].end == utc(2024, 4, 6, 4)
    assert all(o.recurrence_id == o.start for o in found)
    assert all(o.start.tzinfo is UTC for o in found)


def test_weekly_new_york_keeps_local_time_across_fall_dst() -> None:
    event = window(datetime(2024, 10, 21, 9, tzinfo=NEW_YORK), hours=2)
    found = expand(event, utc(2024, 10, 20), utc(2024, 11, 20))
    assert [o.start.astimezone(NEW_YORK).strftime("%m-%d %H:%M") for o in found] == [
        "10-21 09:00",
        "10-28 09:00",
        "11-04 09:00",
        "11-11 09:00",
        "11-18 09:00",
    ]
    assert [o.start.hour for o in found] == [13, 13, 14, 14, 14]
    assert all(o.duration == timedelta(hours=2) for o in found)


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    event = window(datetime(2024, 3, 29, 2, 30, tzinfo=BERLIN), hours=1, rrule="FREQ=DAILY")
    found = expand(event, utc(2024, 3, 30), utc(2024, 4, 2))
    assert [o.start for o in found] == [
        utc(2024, 3, 30, 1, 30),
        utc(2024, 3, 31, 1, 30),
        utc(2024, 4, 1, 0, 30),
    ]
    assert found[1].start.astimezone(BERLIN).strftime("%H:%M") == "03:30"


def test_exdate_removes_and_rdate_adds_an_instance() -> None:
    start = datetime(2024, 3, 1, 22, tzinfo=BERLIN)
    event = window(
        start,
        exdates=[datetime(2024, 3, 8, 22, tzinfo=BERLIN), utc(2024, 3, 22, 21)],
        rdates=[datetime(2024, 3, 12, 20, tzinfo=BERLIN)],
    )
    found = expand(event, utc(2024, 3, 1), utc(2024, 3, 31))
    local = [o.start.astimezone(BERLIN).strftime("%m-%d %H:%M") for o in found]
    assert local == ["03-01 22:00", "03-12 20:00", "03-15 22:00", "03-29 22:00"]
    assert found[1].duration == timedelta(hours=8)


def test_count_limits_instances_and_dtstart_counts_as_first() -> None:
    event = window(datetime(2024, 1, 1, 8, tzinfo=BERLIN), hours=1, rrule="FREQ=DAILY;COUNT=5")
    found = expand(event, utc(2023, 12, 1), utc(2025, 1, 1))
    assert len(found) == 5
    assert found[-1].start.astimezone(BERLIN) == datetime(2024, 1, 5, 8, tzinfo=BERLIN)
    assert expand(event, utc(2024, 1, 6), utc(2024, 2, 1)) == []


@pytest.mark.parametrize(
    ("until", "last_day"),
    [
        ("20240110T070000Z", 10),  # UTC: 08:00 Berlin on the 10th is included
        ("20240110T065959Z", 9),
        ("20240110T080000", 10),  # floating local time
        ("20240110", 10),  # date: through that day
    ],
)
def test_until_forms_are_inclusive_bounds(until: str, last_day: int) -> None:
    rule = f"FREQ=DAILY;UNTIL={until}"
    event = window(datetime(2024, 1, 1, 8, tzinfo=BERLIN), hours=1, rrule=rule)
    found = expand(event, utc(2024, 1, 1), utc(2024, 2, 1))
    assert found[-1].start.astimezone(BERLIN).day == last_day
    assert len(found) == last_day


def test_instance_running_at_range_start_is_included() -> None:
    event = window(datetime(2024, 3, 1, 22, tzinfo=BERLIN))
    found = expand(event, utc(2024, 3, 9, 3), utc(2024, 3, 9, 4))
    assert len(found) == 1
    assert found[0].start == utc(2024, 3, 8, 21)
    # Touching the range start is not overlapping (half-open).
    assert expand(event, utc(2024, 3, 9, 5), utc(2024, 3, 9, 6)) == []


def test_single_and_zero_length_events() -> None:
    deadline = CalendarEvent(
        uid="sla_deadline-7@atlas-hub",
        kind="sla_deadline",
        title="SLA",
        start=utc(2024, 5, 1, 12),
        end=utc(2024, 5, 1, 12),
    )
    assert [o.recurrence_id for o in expand(deadline, utc(2024, 5, 1), utc(2024, 5, 2))] == [None]
    assert expand(deadline, utc(2024, 5, 1, 12), utc(2024, 5, 2)) != []
    assert expand(deadline, utc(2024, 5, 1), utc(2024, 5, 1, 12)) == []


def test_all_day_yearly_event_spans_local_days() -> None:
    event = CalendarEvent(
        uid="leave-3@atlas-hub",
        kind="leave",
        title="Company holiday",
        start=datetime(2020, 12, 24, tzinfo=BERLIN),
        end=datetime(2020, 12, 27, tzinfo=BERLIN),
        all_day=True,
        tz="Europe/Berlin",
        rrule="FREQ=YEARLY",
        technician_id=4,
    )
    (found,) = expand(event, utc(2024, 12, 1), utc(2024, 12, 31))
    assert found.start == datetime(2024, 12, 24, tzinfo=BERLIN)
    assert found.end == datetime(2024, 12, 27, tzinfo=BERLIN)
    assert found.all_day and found.technician_id == 4


def test_monthly_last_sunday_started_years_ago() -> None:
    event = window(datetime(2019, 1, 27, 22, tzinfo=BERLIN), rrule="FREQ=MONTHLY;BYDAY=-1SU")
    # 2023-12-31 22:00 runs into January 1st, so start the range after it ends.
    found = expand(event, utc(2024, 1, 2), utc(2024, 7, 1))
    days = [o.start.astimezone(BERLIN).date().isoformat() for o in found]
    assert days == [
        "2024-01-28",
        "2024-02-25",
        "2024-03-31",
        "2024-04-28",
        "2024-05-26",
        "2024-06-30",
    ]


def _reference(event: CalendarEvent, start: datetime, end: datetime) -> list[datetime]:
    """Slow, obviously-correct expansion: walk dateutil from DTSTART every time."""
    local = ZoneInfo(event.tz)
    dtstart = event.start.astimezone(local).replace(tzinfo=None)
    length = event.end.astimezone(local).replace(tzinfo=None) - dtstart
    stop = end.astimezone(local).replace(tzinfo=None) + timedelta(days=1)
    walls = {dtstart, *du.rrulestr(event.rrule or "", dtstart=dtstart).between(dtstart, stop)}
    found = []
    for wall in sorted(walls):
        s = wall.replace(tzinfo=local).astimezone(UTC)
        e = (wall + length).replace(tzinfo=local).astimezone(UTC)
        if s < end and e > start:
            found.append(s)
    return found


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
        "FREQ=WEEKLY;BYDAY=SA;BYHOUR=1,23",
        "FREQ=MONTHLY;INTERVAL=5",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=HOURLY;INTERVAL=7",
        "FREQ=DAILY;BYMONTH=3,10",
    ],
)
def test_fast_forward_matches_full_walk(rule: str) -> None:
    rng = random.Random(rule)
    for _ in range(5):
        start = datetime(
            2018 + rng.randrange(4),
            rng.randrange(1, 13),
            rng.randrange(1, 29),
            rng.randrange(24),
            tzinfo=rng.choice([BERLIN, NEW_YORK]),
        )
        event = window(start, hours=rng.choice([1, 5, 30]), rrule=rule)
        lo = utc(2023, rng.randrange(1, 13), rng.randrange(1, 29))
        hi = lo + timedelta(days=rng.choice([1, 40, 400]))
        assert [o.start for o in expand(event, lo, hi)] == _reference(event, lo, hi), start


def test_expand_all_sorts_by_start() -> None:
    a = window(datetime(2024, 3, 4, 22, tzinfo=BERLIN))
    b = window(datetime(2024, 3, 4, 9, tzinfo=NEW_YORK), hours=1)
    found = expand_all([a, b], utc(2024, 3, 1), utc(2024, 3, 20))
    assert [o.start for o in found] == sorted(o.start for o in found)
    assert len(found) == 6
