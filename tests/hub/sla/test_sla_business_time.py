"""Business-time arithmetic on fixed dates, with hand-computed expectations.

Calendar facts used: 2026-03-29 and 2026-10-25 are the EU DST change Sundays, 2026-03-08 and
2026-11-01 the US ones; DE has Good Friday 2026-04-03 and Easter Monday 2026-04-06; US
Independence Day 2026-07-04 is a Saturday, observed on Friday 2026-07-03.
"""

from datetime import date, timedelta

import pytest

from hub.sla.business_time import (
    ClockPausedError,
    add_business_time,
    add_business_times,
    business_time_between,
    counted_intervals,
    is_open,
)
from hub.sla.calendars import ALWAYS_OPEN, BusinessCalendar
from hub.sla.compiled import compile_calendar
from tests.hub.sla.sla_calendars_for_tests import (
    BERLIN_9_TO_5,
    BERLIN_WALL_24,
    NEW_YORK_SPLIT,
    SYDNEY_WEEKENDS,
    berlin,
    new_york,
    utc,
)

HOUR = timedelta(hours=1)


# -- 24x7 and DST: exact in real elapsed time ---------------------------------------------
def test_24x7_hour_across_berlin_spring_change_is_one_real_hour() -> None:
    # 01:30 CET = 00:30 UTC; one hour later the wall clock reads 03:30 CEST.
    due = add_business_time(ALWAYS_OPEN, berlin(2026, 3, 29, 1, 30), HOUR)
    assert due == utc(2026, 3, 29, 1, 30)
    assert due.astimezone(berlin(2026, 1, 1).tzinfo).hour == 3


def test_24x7_hour_across_berlin_autumn_change_is_one_real_hour() -> None:
    # 02:30 CEST (first pass) = 00:30 UTC; an hour later it is 02:30 CET (second pass).
    due = add_business_time(ALWAYS_OPEN, berlin(2026, 10, 25, 2, 30), HOUR)
    assert due == utc(2026, 10, 25, 1, 30)


def test_24x7_hour_across_new_york_changes() -> None:
    assert add_business_time(ALWAYS_OPEN, new_york(2026, 3, 8, 1, 30), HOUR) == utc(
        2026, 3, 8, 7, 30
    )  # 01:30 EST = 06:30 UTC
    assert add_business_time(ALWAYS_OPEN, new_york(2026, 11, 1, 1, 30), HOUR) == utc(
        2026, 11, 1, 6, 30
    )  # 01:30 EDT (first pass) = 05:30 UTC


def test_wall_clock_day_is_23_and_25_hours_on_berlin_change_days() -> None:
    assert business_time_between(
        BERLIN_WALL_24, berlin(2026, 3, 29), berlin(2026, 3, 30)
    ) == timedelta(hours=23)
    assert business_time_between(
        BERLIN_WALL_24, berlin(2026, 10, 25), berlin(2026, 10, 26)
    ) == timedelta(hours=25)
    # One business hour from 01:30 CET ends at 03:30 CEST, as on the 24x7 calendar.
    assert add_business_time(BERLIN_WALL_24, berlin(2026, 3, 29, 1, 30), HOUR) == utc(
        2026, 3, 29, 1, 30
    )


# -- office hours across DST weekends --------------------------------------------------------
def test_berlin_friday_to_monday_across_spring_change() -> None:
    # Fri 16:30-17:00 CET (30 min), then Mon 09:00-09:30 CEST = 07:30 UTC.
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 3, 27, 16, 30), HOUR) == utc(
        2026, 3, 30, 7, 30
    )
    # Two full days of 8 hours each, although 71 real hours pass between the two openings.
    assert business_time_between(
        BERLIN_9_TO_5, berlin(2026, 3, 27, 9), berlin(2026, 3, 30, 17)
    ) == timedelta(hours=16)


def test_berlin_friday_to_monday_across_autumn_change() -> None:
    # Fri 16:00-17:00 CEST (1 h), then Mon 09:00-10:00 CET = 09:00 UTC.
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 10, 23, 16), 2 * HOUR) == utc(
        2026, 10, 26, 9
    )


def test_new_york_split_day_across_spring_change() -> None:
    # Fri 16:00-17:00 EST (1 h), then Mon 08:00-09:00 EDT = 13:00 UTC.
    assert add_business_time(NEW_YORK_SPLIT, new_york(2026, 3, 6, 16), 2 * HOUR) == utc(
        2026, 3, 9, 13
    )


def test_new_york_split_day_across_autumn_change() -> None:
    # Fri 16:30-17:00 EDT (30 min), then Mon 08:00-08:30 EST = 13:30 UTC.
    assert add_business_time(NEW_YORK_SPLIT, new_york(2026, 10, 30, 16, 30), HOUR) == utc(
        2026, 11, 2, 13, 30
    )


def test_lunch_break_does_not_count() -> None:
    # 11:00-12:00 then 13:00-14:00 EDT = 18:00 UTC.
    assert add_business_time(NEW_YORK_SPLIT, new_york(2026, 3, 10, 11), 2 * HOUR) == utc(
        2026, 3, 10, 18
    )
    assert business_time_between(
        NEW_YORK_SPLIT, new_york(2026, 3, 10, 11, 30), new_york(2026, 3, 10, 13, 30)
    ) == timedelta(hours=1)


# -- holidays and weekends -----------------------------------------------------------------
def test_us_independence_day_observed_on_friday_from_holidays_package() -> None:
    # Thu 16:00-17:00 EDT (1 h); Fri 3 July observed holiday, weekend; Mon 08:00-09:00 EDT.
    assert add_business_time(NEW_YORK_SPLIT, new_york(2026, 7, 2, 16), 2 * HOUR) == utc(
        2026, 7, 6, 13
    )
    assert compile_calendar(NEW_YORK_SPLIT).open_intervals_on(date(2026, 7, 3)) == []


def test_german_easter_makes_a_four_day_closure() -> None:
    # Thu 16:00-17:00 CEST; Good Friday, weekend, Easter Monday closed; Tue 09:00-10:00 CEST.
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 4, 2, 16), 2 * HOUR) == utc(2026, 4, 7, 8)
    assert business_time_between(
        BERLIN_9_TO_5, berlin(2026, 4, 2, 17), berlin(2026, 4, 7, 9)
    ) == timedelta(0)


def test_explicit_holiday_and_southern_dst_end() -> None:
    # Sydney weekend desk from Sat 2026-04-04 09:00 AEDT (22:00 UTC Fri), an explicit holiday.
    # Sunday 04-05 is the DST end (03:00 AEDT -> 02:00 AEST): the wall-clock interval
    # 01:30-03:30 lasts three real hours, 14:30-17:30 UTC, and three hours end at its close.
    start = utc(2026, 4, 3, 22)
    assert add_business_time(SYDNEY_WEEKENDS, start, 3 * HOUR) == utc(2026, 4, 4, 17, 30)
    assert compile_calendar(SYDNEY_WEEKENDS).open_intervals_on(date(2026, 4, 4)) == []
    # A week earlier the Saturday is open: 10:00-14:00 AEDT then Sunday 01:30-02:30 AEDT.
    assert add_business_time(SYDNEY_WEEKENDS, utc(2026, 3, 27, 22), 5 * HOUR) == utc(
        2026, 3, 28, 15, 30
    )


def test_weekend_start_counts_from_monday_opening() -> None:
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 6, 6, 12), HOUR) == utc(2026, 6, 8, 8)


# -- pauses --------------------------------------------------------------------------------
def test_pause_inside_open_hours_is_skipped() -> None:
    pauses = [(berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 14))]
    # 10-11 (1 h) + 14-17 (3 h) -> Mon 17:00 CEST.
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 6, 1, 10), 4 * HOUR, pauses) == utc(
        2026, 6, 1, 15
    )


def test_pause_starting_and_ending_outside_open_hours() -> None:
    pauses = [(berlin(2026, 6, 1, 16), berlin(2026, 6, 2, 7))]
    # Mon 10-16 (6 h), paused until Tue 07:00, Tue 09-11 (2 h) -> Tue 11:00 CEST.
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 6, 1, 10), 8 * HOUR, pauses) == utc(
        2026, 6, 2, 9
    )


def test_pause_starting_before_the_clock() -> None:
    pauses = [(berlin(2026, 5, 31, 20), berlin(2026, 6, 1, 12))]
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 6, 1, 10), HOUR, pauses) == utc(
        2026, 6, 1, 11
    )


def test_overlapping_pauses_count_once() -> None:
    single = [(berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 14))]
    overlapping = [
        (berlin(2026, 6, 1, 12), berlin(2026, 6, 1, 14)),
        (berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 13)),
        (berlin(2026, 6, 1, 13, 30), berlin(2026, 6, 1, 13, 45)),
    ]
    start, end = berlin(2026, 6, 1, 9), berlin(2026, 6, 1, 17)
    assert business_time_between(BERLIN_9_TO_5, start, end, overlapping) == 5 * HOUR
    assert add_business_time(BERLIN_9_TO_5, start, 4 * HOUR, overlapping) == add_business_time(
        BERLIN_9_TO_5, start, 4 * HOUR, single
    )


def test_open_pause_blocks_the_due_time() -> None:
    start = berlin(2026, 6, 1, 10)
    pauses = [(berlin(2026, 6, 1, 12), None)]
    # The duration is used up before the pause begins: a due time exists.
    assert add_business_time(BERLIN_9_TO_5, start, HOUR, pauses) == utc(2026, 6, 1, 9)
    with pytest.raises(ClockPausedError, match="paused since"):
        add_business_time(BERLIN_9_TO_5, start, 4 * HOUR, pauses)
    # Measuring with an open pause stops counting at its start.
    assert business_time_between(BERLIN_9_TO_5, start, berlin(2026, 6, 2, 17), pauses) == 2 * HOUR


def test_counted_intervals_explain_the_sum() -> None:
    pauses = [(berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 14))]
    intervals = counted_intervals(
        BERLIN_9_TO_5, berlin(2026, 6, 1, 10), berlin(2026, 6, 2, 10), pauses
    )
    assert intervals == [
        (utc(2026, 6, 1, 8), utc(2026, 6, 1, 9)),
        (utc(2026, 6, 1, 12), utc(2026, 6, 1, 15)),
        (utc(2026, 6, 2, 7), utc(2026, 6, 2, 8)),
    ]


def test_due_time_lands_at_closing_not_next_opening() -> None:
    # Exactly the rest of Friday: due at Friday 17:00, not Monday 09:00.
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 6, 5, 15), 2 * HOUR) == utc(2026, 6, 5, 15)


def test_zero_duration_is_the_start_itself() -> None:
    assert add_business_time(BERLIN_9_TO_5, berlin(2026, 6, 6, 12), timedelta(0)) == utc(
        2026, 6, 6, 10
    )


def test_several_durations_in_one_walk_keep_their_order() -> None:
    start = berlin(2026, 6, 1, 10)
    pauses = [(berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 14))]
    durations = [8 * HOUR, HOUR, timedelta(0), 4 * HOUR]
    assert add_business_times(BERLIN_9_TO_5, start, durations, pauses) == [
        add_business_time(BERLIN_9_TO_5, start, duration, pauses) for duration in durations
    ]


def test_is_open() -> None:
    assert is_open(BERLIN_9_TO_5, berlin(2026, 6, 1, 9))
    assert not is_open(BERLIN_9_TO_5, berlin(2026, 6, 1, 17))
    assert not is_open(BERLIN_9_TO_5, berlin(2026, 4, 6, 12))  # Easter Monday


def test_far_dates_extend_the_index_both_ways() -> None:
    cal = BusinessCalendar(
        name="far", timezone="Europe/Berlin", weekly={"mon": [("09:00", "10:00")]}
    )
    # 2026-06-01 and 2031-06-02 are Mondays; 1990-06-04 too.
    assert add_business_time(cal, berlin(2026, 6, 1, 9), HOUR) == utc(2026, 6, 1, 8)
    assert add_business_time(cal, berlin(2031, 6, 1, 12), HOUR) == utc(2031, 6, 2, 8)
    assert add_business_time(cal, berlin(1990, 6, 3, 12), HOUR) == utc(1990, 6, 4, 8)
    assert business_time_between(cal, berlin(1990, 6, 4), berlin(1990, 6, 12)) == 2 * HOUR


def test_bad_inputs_are_refused() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="naive"):
        add_business_time(BERLIN_9_TO_5, datetime(2026, 6, 1, 10), HOUR)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(BERLIN_9_TO_5, berlin(2026, 6, 1, 10), -HOUR)
    with pytest.raises(ValueError, match="ends before it starts"):
        business_time_between(
            BERLIN_9_TO_5,
            berlin(2026, 6, 1, 10),
            berlin(2026, 6, 1, 12),
            [(berlin(2026, 6, 1, 11), berlin(2026, 6, 1, 10))],
        )


def test_absurdly_far_due_times_are_refused_quickly() -> None:
    cal = BusinessCalendar(name="one hour a week", weekly={"wed": [("09:00", "10:00")]})
    with pytest.raises(ValueError, match="more than 200 years out"):
        add_business_time(cal, utc(2026, 1, 1), timedelta(days=2000))
