"""Benchmark: a one-month team calendar feed against plain icalendar serialisation.

Run by hand: ``python bench/calendar.py``. Builds 2,000 recurring maintenance/working
windows and 10,000 open tasks' SLA deadlines, then times, in the same run:

* expanding the 2,000 windows over one month (`recurrence.expand_all`),
* `feed.build_feed` over all 12,000 entries (VTIMEZONEs, RRULE rewriting, VALARMs, ...),
* the baseline: the same entries as plain `icalendar.Event` components with the same
  core properties and nothing else, serialised with `Calendar.to_ical()`,

and prints the feed/baseline ratio. Best of several rounds, to damp a noisy machine.
"""

import sys
from pathlib import Path

# This file is named calendar.py: drop its folder from the import path so that the
# standard library's `calendar` module (used by icalendar and http.cookiejar) is found.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from icalendar import Calendar, Event, vRecur  # noqa: E402

from plugins.calendar.conflicts import all_conflicts  # noqa: E402
from plugins.calendar.events import CalendarEvent, Occurrence, make_uid  # noqa: E402
from plugins.calendar.feed import build_feed  # noqa: E402
from plugins.calendar.recurrence import expand_all  # noqa: E402

ROUNDS = 3
WINDOWS = 2_000
DEADLINES = 10_000
MONTH_START = datetime(2025, 3, 1, tzinfo=UTC)  # contains the EU and US DST changes
MONTH_END = datetime(2025, 4, 1, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/New_York", "Europe/London", "UTC"]
RULES = [
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=DAILY;UNTIL=20251231T000000Z",
]


def windows(rng: random.Random) -> list[CalendarEvent]:
    found = []
    for number in range(WINDOWS):
        tz = rng.choice(ZONES)
        start = datetime(
            rng.choice([2023, 2024, 2025]),
            rng.randrange(1, 13) if number % 3 else 1,
            rng.randrange(1, 29),
            rng.choice([8, 9, 22]),
            tzinfo=ZoneInfo(tz),
        )
        kind = "maintenance" if number % 2 else "availability"
        found.append(
            CalendarEvent(
                uid=make_uid(kind, number),
                kind=kind,
                title=f"{kind.title()} window {number}; rack {number % 40}, row {number % 7}",
                start=start,
                end=start + timedelta(hours=rng.choice([2, 8])),
                tz=tz,
                rrule=rng.choice(RULES),
                exdates=[start + timedelta(days=7)] if number % 5 == 0 else [],
                customer_id=number % 150,
                technician_id=number % 40,
                sequence=number % 4,
            )
        )
    return found


def deadlines(rng: random.Random) -> list[Occurrence]:
    found = []
    for task in range(DEADLINES):
        due = MONTH_START + timedelta(minutes=rng.randrange(0, 31 * 24 * 60))
        found.append(
            Occurrence(
                uid=make_uid("sla_deadline", task),
                kind="sla_deadline",
                title=f"SLA resolution due: task {task}",
                start=due,
                end=due,
                task_id=task,
                alarm_minutes_before=30,
            )
        )
    return found


def plain_icalendar(events: list[CalendarEvent], due: list[Occurrence]) -> bytes:
    """Baseline: the same entries as bare icalendar Events, no extra logic."""
    calendar = Calendar()
    calendar.add("PRODID", "-//bench//EN")
    calendar.add("VERSION", "2.0")
    stamp = datetime.now(UTC)
    for item in events:
        component = Event()
        component.add("UID", item.uid)
        component.add("DTSTAMP", stamp)
        component.add("DTSTART", item.start)
        component.add("DTEND", item.end)
        component.add("SUMMARY", item.title)
        component.add("RRULE", vRecur.from_ical(item.rrule or ""))
        calendar.add_component(component)
    for item in due:
        component = Event()
        component.add("UID", item.uid)
        component.add("DTSTAMP", stamp)
        component.add("DTSTART", item.start)
        component.add("SUMMARY", item.title)
        calendar.add_component(component)
    return calendar.to_ical()


def best(label: str, action: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(ROUNDS):
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    print(f"{label:<52} {min(times) * 1000:9.1f} ms (best of {ROUNDS})")
    return min(times), result


def main() -> None:
    rng = random.Random(2025)
    events, due = windows(rng), deadlines(rng)
    print(f"{WINDOWS} recurring windows, {DEADLINES} SLA deadlines, month {MONTH_START:%Y-%m}")
    _, occurrences = best(
        "expand 2,000 recurring windows over the month",
        lambda: expand_all(events, MONTH_START, MONTH_END),
    )
    print(f"{'  occurrences in the month':<52} {len(occurrences):9d}")  # type: ignore[arg-type]
    best("all_conflicts over those occurrences", lambda: all_conflicts(occurrences))  # type: ignore[arg-type]
    items = [*events, *due]
    ours, feed = best("build_feed (12,000 entries)", lambda: build_feed("Team", items, "UTC"))
    base, plain = best(
        "plain icalendar Events + to_ical (baseline)", lambda: plain_icalendar(events, due)
    )
    print(f"{'  feed size / baseline size':<52} {len(feed):9d} / {len(plain)} bytes")  # type: ignore[arg-type]
    print(f"{'ratio build_feed / plain icalendar':<52} {ours / base:9.2f}x")


if __name__ == "__main__":
    main()
