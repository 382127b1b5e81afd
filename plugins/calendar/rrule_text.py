"""Parse and check RFC 5545 RRULE text once, for both expansion and the iCalendar feed.

dateutil's own `rrulestr` ties UNTIL handling to the DTSTART it is given and is slow to
re-parse for thousands of events, so rules are parsed here into a hashable value (cached
by text) that `recurrence.py` turns into a `dateutil.rrule.rrule` per event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal

from dateutil import rrule as du

from plugins.calendar.errors import RecurrenceRuleError

FREQS = {
    "YEARLY": du.YEARLY,
    "MONTHLY": du.MONTHLY,
    "WEEKLY": du.WEEKLY,
    "DAILY": du.DAILY,
    "HOURLY": du.HOURLY,
    "MINUTELY": du.MINUTELY,
    "SECONDLY": du.SECONDLY,
}
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_BYDAY = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")
# name -> (lowest absolute value, highest absolute value, negative values allowed)
_INT_LISTS: dict[str, tuple[int, int, bool]] = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}
_DATEUTIL_NAMES = {
    "BYSECOND": "bysecond",
    "BYMINUTE": "byminute",
    "BYHOUR": "byhour",
    "BYMONTHDAY": "bymonthday",
    "BYYEARDAY": "byyearday",
    "BYWEEKNO": "byweekno",
    "BYMONTH": "bymonth",
    "BYSETPOS": "bysetpos",
}


@dataclass(frozen=True, slots=True)
class Until:
    """An RRULE UNTIL: a date, a floating local date-time, or a UTC date-time."""

    form: Literal["date", "local", "utc"]
    value: datetime  # naive; midnight for "date"


@dataclass(frozen=True, slots=True)
class RecurrenceRule:
    """A parsed RRULE; `parts` keeps the original order for re-serialising."""

    freq: int
    freq_name: str
    interval: int
    count: int | None
    until: Until | None
    by: tuple[tuple[str, tuple[int, ...]], ...]
    byweekday: tuple[tuple[int, int | None], ...]
    wkst: int | None
    parts: tuple[tuple[str, str], ...]

    def dateutil_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `dateutil.rrule.rrule` except dtstart/until/count."""
        kwargs: dict[str, Any] = {"interval": self.interval}
        for name, values in self.by:
            kwargs[_DATEUTIL_NAMES[name]] = values
        if self.byweekday:
            kwargs["byweekday"] = tuple(du.weekday(day, n) for day, n in self.byweekday)
        if self.wkst is not None:
            kwargs["wkst"] = self.wkst
        return kwargs

    def has(self, name: str) -> bool:
        """True when the rule has the BYxxx part `name` (e.g. "BYMONTHDAY")."""
        if name == "BYDAY":
            return bool(self.byweekday)
        return any(n == name for n, _ in self.by)

    def to_text(self, until: str | None = None) -> str:
        """Serialise back to RRULE text, replacing the UNTIL value when `until` is given."""
        return ";".join(
            f"{key}={until if key == 'UNTIL' and until is not None else value}"
            for key, value in self.parts
        )


def _int(name: str, text: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", text):
        raise RecurrenceRuleError(f"{name} must be an integer, got {text!r}")
    return int(text)


def _int_list(name: str, text: str) -> tuple[int, ...]:
    low, high, signed = _INT_LISTS[name]
    values = []
    for item in text.split(","):
        value = _int(name, item)
        if not (low <= abs(value) <= high) or (value < 0 and not signed):
            raise RecurrenceRuleError(f"{name} value {item!r} is out of range")
        values.append(value)
    return tuple(values)


def _byday(text: str) -> tuple[tuple[int, int | None], ...]:
    days = []
    for item in text.split(","):
        match = _BYDAY.match(item)
        if not match:
            raise RecurrenceRuleError(f"BYDAY value {item!r} is not like MO, 1MO or -1FR")
        sign, number, day = match.groups()
        n = None
        if number:
            n = int(number) * (-1 if sign == "-" else 1)
            if not 1 <= abs(n) <= 53:
                raise RecurrenceRuleError(f"BYDAY ordinal in {item!r} is out of range")
        days.append((WEEKDAYS[day], n))
    return tuple(days)


def _until(text: str) -> Until:
    match = _UNTIL.match(text)
    if not match:
        raise RecurrenceRuleError(f"UNTIL {text!r} is not YYYYMMDD or YYYYMMDDTHHMMSS[Z]")
    day, clock, zulu = match.groups()
    try:
        if clock is None:
            return Until("date", datetime.strptime(day, "%Y%m%d"))
        value = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
    except ValueError as exc:
        raise RecurrenceRuleError(f"UNTIL {text!r} is not a real date") from exc
    return Until("utc" if zulu else "local", value)


@lru_cache(maxsize=4096)
def parse_rrule(text: str) -> RecurrenceRule:
    """Parse RRULE text (with or without the ``RRULE:`` prefix); raise on any error."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if not body or "\n" in body or "\r" in body:
        raise RecurrenceRuleError("RRULE must be one non-empty line")
    parts: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for item in body.split(";"):
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        value = value.strip().upper()
        if not sep or not value:
            raise RecurrenceRuleError(f"RRULE part {item!r} is not NAME=VALUE")
        if key in seen:
            raise RecurrenceRuleError(f"RRULE part {key} appears twice")
        seen[key] = value
        parts.append((key, value))
    if "FREQ" not in seen or seen["FREQ"] not in FREQS:
        raise RecurrenceRuleError(f"RRULE needs FREQ, one of {', '.join(FREQS)}")
    if "COUNT" in seen and "UNTIL" in seen:
        raise RecurrenceRuleError("RRULE must not have both COUNT and UNTIL")
    by: list[tuple[str, tuple[int, ...]]] = []
    interval, count, until, byweekday, wkst = 1, None, None, (), None
    for key, value in parts:
        if key == "FREQ":
            continue
        if key == "INTERVAL":
            interval = _int(key, value)
            if interval < 1:
                raise RecurrenceRuleError("INTERVAL must be >= 1")
        elif key == "COUNT":
            count = _int(key, value)
            if count < 1:
                raise RecurrenceRuleError("COUNT must be >= 1")
        elif key == "UNTIL":
            until = _until(value)
        elif key == "BYDAY":
            byweekday = _byday(value)
        elif key == "WKST":
            if value not in WEEKDAYS:
                raise RecurrenceRuleError(f"WKST {value!r} is not a weekday")
            wkst = WEEKDAYS[value]
        elif key in _INT_LISTS:
            by.append((key, _int_list(key, value)))
        else:
            raise RecurrenceRuleError(f"unsupported RRULE part {key}")
    if "BYSETPOS" in seen and not any(k.startswith("BY") and k != "BYSETPOS" for k in seen):
        raise RecurrenceRuleError("BYSETPOS needs another BYxxx part")
    return RecurrenceRule(
        freq=FREQS[seen["FREQ"]],
        freq_name=seen["FREQ"],
        interval=interval,
        count=count,
        until=until,
        by=tuple(by),
        byweekday=byweekday,
        wkst=wkst,
        parts=tuple(parts),
    )


def until_wall_time(until: Until, local: Any, all_day: bool) -> datetime:
    """UNTIL as a naive wall time in the event's zone `local` (inclusive bound)."""
    if until.form == "utc":
        return until.value.replace(tzinfo=UTC).astimezone(local).replace(tzinfo=None)
    if until.form == "date" and not all_day:
        # A date-only UNTIL on a timed event means "through that whole day".
        return until.value.replace(hour=23, minute=59, second=59)
    return until.value


def until_text(until: Until, local: Any, all_day: bool) -> str:
    """UNTIL re-written as RFC 5545 wants it next to a DTSTART with TZID (UTC) or a DATE."""
    if all_day:
        return until.value.strftime("%Y%m%d")
    wall = until_wall_time(until, local, all_day)
    return wall.replace(tzinfo=local).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
