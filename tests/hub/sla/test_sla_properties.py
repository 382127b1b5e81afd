"""Properties of business-time arithmetic on random starts, durations, pauses and calendars.

Starts fall in 2025-2027 (covering several DST changes in Europe, the US and Australia) and
arrive in random time zones; pauses may overlap, precede the start and cross closed hours.
"""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.sla.business_time import (
    Pause,
    add_business_time,
    business_time_between,
    counted_intervals,
    is_open,
)
from hub.sla.calendars import WEEKDAYS, BusinessCalendar
from tests.hub.sla.sla_calendars_for_tests import ALL_CALENDARS

ONE_US = timedelta(microseconds=1)
ORIGIN = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 3 * 365 * 86_400 - 30 * 86_400
ZONES = [ZoneInfo(name) for name in ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata")]
PROFILE = settings(max_examples=200, deadline=None)

calendars = st.sampled_from(ALL_CALENDARS)
# Whole hours are drawn often so that starts and due times hit opening and closing times.
moments = st.builds(
    lambda seconds, micros, zone: (
        ORIGIN + timedelta(seconds=seconds, microseconds=micros)
    ).astimezone(zone),
    st.one_of(
        st.integers(0, SPAN_SECONDS // 3600).map(lambda h: h * 3600), st.integers(0, SPAN_SECONDS)
    ),
    st.sampled_from([0, 0, 1, 999_999]),
    st.sampled_from(ZONES),
)
durations = st.one_of(
    st.integers(0, 60).map(lambda hours: timedelta(hours=hours)),
    st.builds(
        lambda seconds, micros: timedelta(seconds=seconds, microseconds=micros),
        st.integers(0, 60 * 3600),
        st.sampled_from([0, 1, 500_000]),
    ),
)


@st.composite
def pauses_near(draw: st.DrawFn, start: datetime) -> list[Pause]:
    """Zero to three closed pauses scattered from shortly before ``start`` to a week after."""
    result: list[Pause] = []
    for _ in range(draw(st.integers(0, 3))):
        begin = start + timedelta(minutes=draw(st.integers(-600, 7 * 24 * 60)))
        result.append((begin, begin + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))))
    return result


@st.composite
def cases(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime, timedelta, list[Pause]]:
    start = draw(moments)
    return draw(calendars), start, draw(durations), draw(pauses_near(start))


def _paused(at: datetime, pauses: list[Pause]) -> bool:
    return any(lo <= at < hi for lo, hi in pauses if hi is not None)


@PROFILE
@given(cases())
def test_adding_then_measuring_gives_the_duration_back(case) -> None:
    cal, start, duration, pauses = case
    due = add_business_time(cal, start, duration, pauses)
    assert due.tzinfo is UTC
    assert due >= start
    assert business_time_between(cal, start, due, pauses) == duration


@PROFILE
@given(cases())
def test_due_time_is_inside_or_at_the_end_of_an_open_unpaused_interval(case) -> None:
    cal, start, duration, pauses = case
    if not duration:
        return
    due = add_business_time(cal, start, duration, pauses)
    just_before = due - ONE_US
    assert is_open(cal, just_before)
    assert not _paused(just_before, pauses)
    # The due time is the earliest such instant: one microsecond less is not enough.
    assert business_time_between(cal, start, just_before, pauses) == duration - ONE_US


@PROFILE
@given(cases(), st.integers(0, 5 * 86_400))
def test_pauses_never_count_and_counted_intervals_add_up(case, seconds) -> None:
    cal, start, _, pauses = case
    end = start + timedelta(seconds=seconds)
    intervals = counted_intervals(cal, start, end, pauses)
    total = sum((hi - lo for lo, hi in intervals), timedelta(0))
    assert total == business_time_between(cal, start, end, pauses)
    assert total <= business_time_between(cal, start, end)
    for lo, hi in intervals:
        assert start <= lo < hi <= end
        assert is_open(cal, lo) and is_open(cal, hi - ONE_US)
        for pause_lo, pause_hi in pauses:
            assert hi <= pause_lo or lo >= pause_hi  # no overlap with any pause
    for (_, first_end), (second_start, _) in pairwise(intervals):
        assert first_end <= second_start


@PROFILE
@given(cases(), durations, moments)
def test_monotonic_in_duration_and_start(case, other_duration, other_start) -> None:
    cal, start, duration, pauses = case
    short, long = sorted((duration, other_duration))
    assert add_business_time(cal, start, short, pauses) <= add_business_time(
        cal, start, long, pauses
    )
    early, late = sorted((start, other_start))
    assert add_business_time(cal, early, duration) <= add_business_time(cal, late, duration)


@PROFILE
@given(cases(), st.integers(0, 4 * 86_400), st.integers(0, 4 * 86_400))
def test_measuring_is_additive(case, first, second) -> None:
    cal, start, _, pauses = case
    middle = start + timedelta(seconds=first)
    end = middle + timedelta(seconds=second)
    whole = business_time_between(cal, start, end, pauses)
    assert whole == business_time_between(cal, start, middle, pauses) + business_time_between(
        cal, middle, end, pauses
    )
    assert business_time_between(cal, end, start, pauses) == timedelta(0)


def _minute_stepping_due(cal: BusinessCalendar, start: datetime, minutes: int) -> datetime:
    """Independent oracle: count open wall-clock minutes one by one."""
    zone = ZoneInfo(cal.timezone)
    closed = set(cal.holidays)
    for rule in cal.holiday_rules:
        closed |= rule.dates()
    hours = {WEEKDAYS.index(day): spans for day, spans in cal.weekly.items()}
    cursor = start.astimezone(UTC)
    while minutes:
        local = cursor.astimezone(zone)
        clock = f"{local.hour:02d}:{local.minute:02d}"
        if cal.always_open or (
            local.date() not in closed
            and any(lo <= clock < hi for lo, hi in hours.get(local.weekday(), ()))
        ):
            minutes -= 1
        cursor += timedelta(minutes=1)
    return cursor


@settings(max_examples=60, deadline=None)
@given(calendars, st.integers(0, SPAN_SECONDS // 60), st.integers(1, 6 * 60))
def test_agrees_with_minute_stepping(cal, start_minute, minutes) -> None:
    start = ORIGIN + timedelta(minutes=start_minute)
    expected = _minute_stepping_due(cal, start, minutes)
    assert add_business_time(cal, start, timedelta(minutes=minutes)) == expected
