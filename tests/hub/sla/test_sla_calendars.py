"""Calendar definitions: validation, decoding and the compiled per-date intervals."""

from datetime import date

import msgspec
import pytest

from hub.sla.calendars import BusinessCalendar, CalendarError, HolidayRule
from hub.sla.compiled import compile_calendar, to_us
from tests.hub.sla.sla_calendars_for_tests import BERLIN_9_TO_5, BERLIN_WALL_24, NEW_YORK_SPLIT, utc


def _calendar(**fields: object) -> BusinessCalendar:
    base: dict[str, object] = {"name": "test", "weekly": {"mon": [("09:00", "17:00")]}}
    return BusinessCalendar(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weekly": {"mon": [("17:00", "09:00")]}}, "weekly.mon\\[0\\]: end 09:00 must be after"),
        ({"weekly": {"mon": [("09:00", "09:00")]}}, "end 09:00 must be after start 09:00"),
        ({"weekly": {"monday": [("09:00", "17:00")]}}, "unknown weekday 'monday'"),
        ({"weekly": {"tue": [("9am", "17:00")]}}, "weekly.tue\\[0\\]: '9am' is not a time"),
        ({"weekly": {"tue": [("24:00", "24:00")]}}, "'24:00' is not a time of day"),
        ({"weekly": {"tue": [("09:00", "24:01")]}}, "'24:01' is not a time of day"),
        (
            {"weekly": {"wed": [("08:00", "12:00"), ("11:00", "13:00")]}},
            "weekly.wed: intervals 08:00-12:00 and 11:00-13:00 overlap",
        ),
        ({"timezone": "Mars/Olympus_Mons"}, "unknown IANA time zone 'Mars/Olympus_Mons'"),
        ({"weekly": {}}, "no opening hours"),
        ({"weekly": {"sat": []}}, "no opening hours"),
        ({"always_open": True}, "always_open calendars count every instant"),
        ({"name": "  "}, "name: must not be empty"),
    ],
)
def test_invalid_calendars_are_refused_with_a_reason(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(CalendarError, match=message):
        _calendar(**fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"country": "XX"}, "unknown country code 'XX'"),
        ({"country": "DE", "subdivision": "ZZ"}, "unknown subdivision 'ZZ' of DE"),
        ({"country": "DE", "first_year": 2027, "last_year": 2026}, "last_year 2026 is before"),
        ({"country": "DE", "first_year": 1900, "last_year": 2100}, "at most 100 years"),
    ],
)
def test_invalid_holiday_rules_are_refused(fields: dict[str, object], message: str) -> None:
    rule = {"first_year": 2026, "last_year": 2026, **fields}
    with pytest.raises(CalendarError, match=message):
        HolidayRule(**rule)  # type: ignore[arg-type]


def test_calendar_decodes_from_json_and_reports_errors_as_validation_errors() -> None:
    raw = b"""{"name": "Split", "timezone": "America/New_York",
        "weekly": {"mon": [["08:00", "12:00"], ["13:00", "17:00"]], "fri": [["08:00", "12:00"]]},
        "holidays": ["2026-12-24"],
        "holiday_rules": [{"country": "US", "subdivision": "NY",
                           "first_year": 2026, "last_year": 2027}]}"""
    cal = msgspec.json.decode(raw, type=BusinessCalendar)
    assert cal.weekly["mon"] == [("08:00", "12:00"), ("13:00", "17:00")]
    assert cal.holidays == [date(2026, 12, 24)]
    assert cal.holiday_rules[0].dates() >= {date(2026, 7, 3), date(2027, 12, 24)}

    bad = b'{"name": "x", "weekly": {"mon": [["12:00", "08:00"]]}}'
    with pytest.raises(msgspec.ValidationError, match="end 08:00 must be after start 12:00"):
        msgspec.json.decode(bad, type=BusinessCalendar)
    with pytest.raises(msgspec.ValidationError, match="unknown field"):
        msgspec.json.decode(b'{"name": "x", "always_open": true, "open": 1}', type=BusinessCalendar)


def test_compiled_calendars_are_shared_by_equal_definitions() -> None:
    copy = msgspec.json.decode(msgspec.json.encode(BERLIN_9_TO_5), type=BusinessCalendar)
    assert copy is not BERLIN_9_TO_5
    assert compile_calendar(copy) is compile_calendar(BERLIN_9_TO_5)
    assert compile_calendar(NEW_YORK_SPLIT) is not compile_calendar(BERLIN_9_TO_5)
    compiled = compile_calendar(BERLIN_9_TO_5)
    assert compile_calendar(compiled) is compiled


def test_open_intervals_per_date_follow_the_local_wall_clock() -> None:
    berlin = compile_calendar(BERLIN_9_TO_5)
    # Winter: 09:00 CET = 08:00 UTC; summer: 09:00 CEST = 07:00 UTC.
    assert berlin.open_intervals_on(date(2026, 3, 27)) == [
        (to_us(utc(2026, 3, 27, 8)), to_us(utc(2026, 3, 27, 16)))
    ]
    assert berlin.open_intervals_on(date(2026, 3, 30)) == [
        (to_us(utc(2026, 3, 30, 7)), to_us(utc(2026, 3, 30, 15)))
    ]
    assert berlin.open_intervals_on(date(2026, 3, 28)) == []  # Saturday
    assert berlin.open_intervals_on(date(2026, 12, 25)) == []  # Christmas, from `holidays`
    split = compile_calendar(NEW_YORK_SPLIT)
    assert split.open_intervals_on(date(2026, 11, 2)) == [
        (to_us(utc(2026, 11, 2, 13)), to_us(utc(2026, 11, 2, 17))),
        (to_us(utc(2026, 11, 2, 18)), to_us(utc(2026, 11, 2, 22))),
    ]


def test_skipped_hour_is_empty_and_repeated_hour_counts_twice() -> None:
    gap = _calendar(
        timezone="Europe/Berlin", weekly={"sun": [("02:15", "02:45"), ("03:00", "04:00")]}
    )
    # 02:15-02:45 does not exist on 2026-03-29: nothing opens; 03:00-04:00 CEST = 01-02 UTC.
    assert compile_calendar(gap).open_intervals_on(date(2026, 3, 29)) == [
        (to_us(utc(2026, 3, 29, 1)), to_us(utc(2026, 3, 29, 2)))
    ]
    across = _calendar(timezone="Europe/Berlin", weekly={"sun": [("02:30", "04:00")]})
    # Opening "at 02:30" on the spring day means opening when the clocks jump to 03:00.
    assert compile_calendar(across).open_intervals_on(date(2026, 3, 29)) == [
        (to_us(utc(2026, 3, 29, 1)), to_us(utc(2026, 3, 29, 2)))
    ]
    # On 2026-10-25, 02:30 CEST (first pass) to 04:00 CET is 2.5 real hours (00:30-03:00 UTC).
    assert compile_calendar(across).open_intervals_on(date(2026, 10, 25)) == [
        (to_us(utc(2026, 10, 25, 0, 30)), to_us(utc(2026, 10, 25, 3)))
    ]
    # New York: 02:30 does not exist on 2026-03-08; opening is at the jump, 07:00 UTC.
    new_york = _calendar(timezone="America/New_York", weekly={"sun": [("02:30", "05:00")]})
    assert compile_calendar(new_york).open_intervals_on(date(2026, 3, 8)) == [
        (to_us(utc(2026, 3, 8, 7)), to_us(utc(2026, 3, 8, 9)))
    ]


def test_midnight_end_joins_consecutive_days() -> None:
    compiled = compile_calendar(BERLIN_WALL_24)
    spans = compiled.open_between(to_us(utc(2026, 6, 1)), to_us(utc(2026, 6, 4)))
    assert spans == [(to_us(utc(2026, 6, 1)), to_us(utc(2026, 6, 4)))]
