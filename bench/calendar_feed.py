"""Benchmark: a one-month team calendar feed against plain icalendar serialisation.

Run by hand: ``python bench/calendar_feed.py [--no-route]``. Builds 2,000 recurring
maintenance/working windows and 10,000 open tasks' SLA deadlines, then times, in the
same run:

Pure (no database):

* expanding the 2,000 windows over one month (`recurrence.expand_all`),
* `feed.build_feed` over all 12,000 entries (VTIMEZONEs, RRULE rewriting, VALARMs, ...),
* the baseline: the same entries as plain `icalendar.Event` components with the same
  core properties and nothing else, serialised with `Calendar.to_ical()`,

Through the real hub (a SQLite file, a nats-server child, the ASGI app in process):

* ``GET /calendar/{token}.ics`` of a team feed over the same 2,000 windows (stored as
  calendar entries of the team) and 10,000 open tasks of the team (inserted as rows with
  their due times, not through the task service, to keep set-up short),
* the baseline again: plain icalendar over the events the route collected,

and prints each ratio against its baseline. Best of several rounds, to damp a noisy
machine.
"""

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script, sys.path[0] is bench/: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

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
    "FREQ=DAILY;UNTIL={last_year}1231T000000Z",
]


def windows(rng: random.Random, last_year: int = 2025) -> list[CalendarEvent]:
    """2,000 recurring windows starting in the three years up to `last_year`."""
    found = []
    for number in range(WINDOWS):
        tz = rng.choice(ZONES)
        start = datetime(
            rng.choice([last_year - 2, last_year - 1, last_year]),
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
                rrule=rng.choice(RULES).format(last_year=last_year),
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


def plain_icalendar(items: list[CalendarEvent | Occurrence]) -> bytes:
    """Baseline: the same entries as bare icalendar Events, no extra logic."""
    calendar = Calendar()
    calendar.add("PRODID", "-//bench//EN")
    calendar.add("VERSION", "2.0")
    stamp = datetime.now(UTC)
    for item in items:
        component = Event()
        component.add("UID", item.uid)
        component.add("DTSTAMP", stamp)
        component.add("DTSTART", item.start)
        if item.end > item.start:
            component.add("DTEND", item.end)
        component.add("SUMMARY", item.title)
        if isinstance(item, CalendarEvent) and item.rrule:
            component.add("RRULE", vRecur.from_ical(item.rrule))
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


def pure() -> None:
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
        "plain icalendar Events + to_ical (baseline)", lambda: plain_icalendar(items)
    )
    print(f"{'  feed size / baseline size':<52} {len(feed):9d} / {len(plain)} bytes")  # type: ignore[arg-type]
    print(f"{'ratio build_feed / plain icalendar':<52} {ours / base:9.2f}x")


async def _seed(hub_now: datetime) -> tuple[int, list[CalendarEvent]]:
    """Store the windows and open tasks of one team; return the team id and the windows."""
    from hub.db.tables import Customer, Task, Team
    from plugins.calendar import store
    from plugins.calendar.tables import CalendarEntry

    team = Team(name="Bench team", timezone="Europe/Berlin")
    await team.save()
    await Customer.insert(*(Customer(name=f"Customer {i}") for i in range(150)))
    customers = [r["id"] for r in await Customer.select(Customer.id).order_by(Customer.id)]
    rng = random.Random(2025)
    # last_year = now's year: the rules' UNTIL lies ahead, so every series is live
    events = windows(rng, last_year=hub_now.year)
    rows = [
        CalendarEntry(
            kind=e.kind,
            title=e.title,
            starts_at=e.start.astimezone(UTC),
            ends_at=e.end.astimezone(UTC),
            series_ends_at=store.series_end(e),
            tz=e.tz,
            rrule=e.rrule,
            exdates=store.encode_list(x.astimezone(UTC).isoformat() for x in e.exdates),
            customer=customers[e.customer_id or 0] if e.kind == "maintenance" else None,
            team=team.id,
            sequence=e.sequence,
        )
        for e in events
    ]
    for chunk in range(0, len(rows), 200):
        await CalendarEntry.insert(*rows[chunk : chunk + 200])
    tasks = []
    for number in range(DEADLINES):
        due = hub_now + timedelta(minutes=rng.randrange(60, 29 * 24 * 60))
        tasks.append(
            Task(
                customer=customers[number % len(customers)],
                title=f"Open task {number}",
                priority="normal",
                status="open",
                assignee_team=team.id,
                arrived_at=hub_now,
                # first response given: one deadline (resolution) per task, as in `pure`
                first_response_at=hub_now,
                first_response_due_at=hub_now,
                resolution_due_at=due,
                queue_due_at=due,
            )
        )
    for chunk in range(0, len(tasks), 200):
        await Task.insert(*tasks[chunk : chunk + 200])
    return team.id, events


async def via_route() -> None:
    """The same calendar through the real store and ``GET /calendar/{token}.ics``."""
    import hashlib
    import secrets

    import httpx

    from hub.app import create_app
    from hub.runtime import Hub
    from hub.settings import HostPort, Settings
    from plugins.calendar.collect import collect
    from plugins.calendar.tables import FeedToken

    with tempfile.TemporaryDirectory() as home:
        settings = Settings(
            home=Path(home),
            http=HostPort("127.0.0.1", 0),
            smtp=HostPort("127.0.0.1", 0),
            plugins={"calendar": {"feed_past_days": 1, "feed_future_days": 30}},
            secret=b"bench-secret-0123456789abcdef",
            log_level="warning",
        )
        hub = Hub(settings)
        await hub.start()
        try:
            now = datetime.now(UTC)
            team_id, _ = await _seed(now)
            token = secrets.token_urlsafe(32)
            await FeedToken(
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                prefix=token[:8],
                name="Bench team",
                scope="team",
                scope_id=team_id,
                tz="Europe/Berlin",
            ).save()
            app = create_app(hub=hub)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                print(f"\nthrough the store and the route (SQLite), one month from {now:%Y-%m-%d}")
                times = []
                for _ in range(ROUNDS):
                    began = time.perf_counter()
                    response = await client.get(f"/calendar/{token}.ics")
                    times.append(time.perf_counter() - began)
                    assert response.status_code == 200, response.text
                route = min(times)
                print(f"{'GET /calendar/{token}.ics (team feed)':<52} {route * 1000:9.1f} ms")
                filters = {"team_id": team_id, "series": True}
                start, end = now - timedelta(days=1), now + timedelta(days=30)
                began = time.perf_counter()
                items = await collect(hub.pm, start, end, filters)
                gathered = time.perf_counter() - began
                print(
                    f"{'  of which: collect events from the store':<52} {gathered * 1000:9.1f} ms"
                )
                print(f"{'  entries in the feed':<52} {len(items):9d}")
            ours, _ = best(
                "build_feed over the collected events", lambda: build_feed("T", items, "UTC")
            )
            base, _ = best("plain icalendar over them (baseline)", lambda: plain_icalendar(items))
            print(f"{'ratio GET route / plain icalendar':<52} {route / base:9.2f}x")
            print(f"{'ratio build_feed / plain icalendar':<52} {ours / base:9.2f}x")
        finally:
            await hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-route", action="store_true", help="skip the store + route part")
    args = parser.parse_args()
    pure()
    if not args.no_route:
        asyncio.run(via_route())


if __name__ == "__main__":
    main()
