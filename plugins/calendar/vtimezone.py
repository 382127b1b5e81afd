"""VTIMEZONE components generated from the system's IANA zone data (zoneinfo).

Written by hand rather than with icalendar 7's `Timezone.from_tzinfo` for two reader
compatibility reasons found in testing: icalendar writes a DAYLIGHT onset in the *new*
offset (Europe/Berlin 03:00 instead of 02:00; RFC 5545 3.6.5 wants local time in
TZOFFSETFROM), and lists later onsets as one multi-valued RDATE, of which ical.js 2.2
reads only the first value and then ignores DTSTART. So transitions are found by probing
zoneinfo and each regular yearly run ("last Sunday of March, 02:00") is written as an
RRULE observance, the way Outlook, Google and tzurl.org publish zones; the last run is
left open so that recurring events keep the right offset after the covered years.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from plugins.calendar.events import zone

_PROBE = timedelta(days=1)
State = tuple[timedelta, str, bool]


def _state(local: ZoneInfo, instant: datetime) -> State:
    moment = instant.astimezone(local)
    return (moment.utcoffset() or timedelta(0), moment.tzname() or "", bool(moment.dst()))


def _transition(local: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """Instant of the single change between `before` and `after` (to the second)."""
    old = _state(local, before)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if _state(local, middle) == old:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0)


def transitions(tzid: str, first_year: int, last_year: int) -> list[tuple[datetime, State, State]]:
    """(UTC instant, state before, state after) for every change in the years given."""
    local = zone(tzid)
    cursor = datetime(first_year, 1, 1, tzinfo=UTC)
    stop = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    found = []
    state = _state(local, cursor)
    while cursor < stop:
        probe = min(cursor + _PROBE, stop)
        new = _state(local, probe)
        if new != state:
            found.append((_transition(local, cursor, probe), state, new))
            state = new
        cursor = probe
    return found


def _yearly_specs(onset: datetime) -> set[int]:
    """BYDAY ordinals describing `onset`'s day: its week of the month and -1 if last."""
    specs = {(onset.day - 1) // 7 + 1}
    if (onset + timedelta(days=7)).month != onset.month:
        specs.add(-1)
    return specs


def _runs(onsets: list[datetime]) -> list[tuple[list[datetime], int | None]]:
    """Split onsets into runs of consecutive years following one yearly rule.

    Each run comes with its BYDAY ordinal (preferring -1, "last") or None for a lone onset.
    """
    runs: list[tuple[list[datetime], set[int]]] = []
    for onset in onsets:
        if runs:
            members, specs = runs[-1]
            previous = members[-1]
            common = specs & _yearly_specs(onset)
            if (
                common
                and onset.year == previous.year + 1
                and (onset.month, onset.weekday(), onset.time())
                == (previous.month, previous.weekday(), previous.time())
            ):
                runs[-1] = ([*members, onset], common)
                continue
        runs.append(([onset], _yearly_specs(onset)))
    return [
        (members, (-1 if -1 in specs else min(specs)) if len(members) > 1 else None)
        for members, specs in runs
    ]


_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@lru_cache(maxsize=128)
def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `tzid`, exact from `first_year` through `last_year`.

    Returned objects are cached: add them to a calendar, do not modify them.
    """
    local = zone(tzid)
    component = Timezone()
    component.add("TZID", tzid)
    component.add("X-LIC-LOCATION", tzid)
    origin = datetime(first_year, 1, 1, tzinfo=UTC)
    offset, name, dst = _state(local, origin)
    initial = TimezoneDaylight() if dst else TimezoneStandard()
    initial.add("DTSTART", datetime(first_year, 1, 1))
    initial.add("TZOFFSETFROM", offset)
    initial.add("TZOFFSETTO", offset)
    initial.add("TZNAME", name)
    component.add_component(initial)
    changes = transitions(tzid, first_year, last_year)
    groups: dict[tuple[bool, str, timedelta, timedelta], list[datetime]] = {}
    for instant, before, after in changes:
        # Onset as local wall time in the offset in force *before* the change (RFC 5545).
        onset = (instant + before[0]).replace(tzinfo=None)
        groups.setdefault((after[2], after[1], before[0], after[0]), []).append(onset)
    for (is_dst, tzname, offset_from, offset_to), onsets in groups.items():
        for members, ordinal in _runs(onsets):
            observance = TimezoneDaylight() if is_dst else TimezoneStandard()
            observance.add("DTSTART", members[0])
            if ordinal is not None:
                rule = {
                    "FREQ": "YEARLY",
                    "BYMONTH": members[0].month,
                    "BYDAY": f"{ordinal}{_DAYS[members[0].weekday()]}",
                }
                # A run that reaches the last covered year may go on; one that stopped
                # earlier (the zone changed its rules) must not.
                if members[-1].year < last_year:
                    rule["UNTIL"] = (members[-1] - offset_from).replace(tzinfo=UTC)
                observance.add("RRULE", rule)
            observance.add("TZOFFSETFROM", offset_from)
            observance.add("TZOFFSETTO", offset_to)
            observance.add("TZNAME", tzname)
            component.add_component(observance)
    return component
