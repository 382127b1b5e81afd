"""Calendars shared by the SLA tests."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hub.sla.calendars import ALWAYS_OPEN, WEEKDAYS, BusinessCalendar, HolidayRule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WORKDAYS = WEEKDAYS[:5]

BERLIN_9_TO_5 = BusinessCalendar(
    name="Berlin office",
    timezone="Europe/Berlin",
    weekly={day: [("09:00", "17:00")] for day in WORKDAYS},
    holiday_rules=[HolidayRule(country="DE", first_year=2025, last_year=2027)],
)
NEW_YORK_SPLIT = BusinessCalendar(
    name="New York split day",
    timezone="America/New_York",
    weekly={day: [("08:00", "12:00"), ("13:00", "17:00")] for day in WORKDAYS},
    holiday_rules=[HolidayRule(country="US", first_year=2025, last_year=2027)],
)
# Open round the clock by the local wall clock: DST change days are 23 and 25 hours long.
BERLIN_WALL_24 = BusinessCalendar(
    name="Berlin all day",
    timezone="Europe/Berlin",
    weekly={day: [("00:00", "24:00")] for day in WEEKDAYS},
)
# Weekend-only with an explicit holiday, in a southern-hemisphere DST zone.
SYDNEY_WEEKENDS = BusinessCalendar(
    name="Sydney weekend desk",
    timezone="Australia/Sydney",
    weekly={"sat": [("10:00", "14:00")], "sun": [("01:30", "03:30"), ("20:00", "24:00")]},
    holidays=[date(2026, 4, 4)],
)
ALL_CALENDARS = [ALWAYS_OPEN, BERLIN_9_TO_5, NEW_YORK_SPLIT, BERLIN_WALL_24, SYDNEY_WEEKENDS]


def berlin(*args: int) -> datetime:
    """A Berlin wall-clock time (fold=0: the first of an ambiguous hour)."""
    return datetime(*args, tzinfo=BERLIN)


def new_york(*args: int) -> datetime:
    """A New York wall-clock time."""
    return datetime(*args, tzinfo=NEW_YORK)


def utc(*args: int) -> datetime:
    """A UTC time."""
    return datetime(*args, tzinfo=UTC)
