"""Benchmark: recompute SLA due times for 100,000 open tasks on mixed calendars.

Run by hand: ``python bench/sla.py [--tasks N] [--sample N] [--seed N]``.

The baseline is the obvious implementation: step minute by minute from the start, counting
each minute that is open and unpaused. It is far too slow to run on every task, so it runs on
a random sample and its time is extrapolated to the full task count (the output says so). The
sample doubles as a cross-check: both implementations must agree on every sampled due time.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script, sys.path[0] is bench/, whose sibling scripts could shadow standard-library
# modules: put the repository root there instead.
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.sla.business_time import Pause, add_business_time
from hub.sla.calendars import ALWAYS_OPEN, WEEKDAYS, BusinessCalendar, HolidayRule
from hub.sla.clocks import SlaTarget, compute_clock
from hub.sla.compiled import compile_calendar

WORKDAYS = WEEKDAYS[:5]
CALENDARS = [
    ALWAYS_OPEN,
    BusinessCalendar(
        name="Berlin 9-5",
        timezone="Europe/Berlin",
        weekly={day: [("09:00", "17:00")] for day in WORKDAYS},
        holiday_rules=[
            HolidayRule(country="DE", subdivision="BY", first_year=2025, last_year=2028)
        ],
    ),
    BusinessCalendar(
        name="New York split day",
        timezone="America/New_York",
        weekly={day: [("08:00", "12:00"), ("13:00", "17:00")] for day in WORKDAYS},
        holiday_rules=[HolidayRule(country="US", first_year=2025, last_year=2028)],
    ),
    BusinessCalendar(
        name="London extended",
        timezone="Europe/London",
        weekly={**{day: [("07:00", "19:00")] for day in WORKDAYS}, "sat": [("09:00", "13:00")]},
        holidays=[datetime(2026, 12, 24).date(), datetime(2026, 12, 31).date()],
    ),
    BusinessCalendar(
        name="Sydney",
        timezone="Australia/Sydney",
        weekly={day: [("08:30", "17:30")] for day in WORKDAYS},
        holiday_rules=[
            HolidayRule(country="AU", subdivision="NSW", first_year=2025, last_year=2028)
        ],
    ),
]
TARGETS_MIN = [60, 4 * 60, 8 * 60, 16 * 60, 40 * 60]


def make_tasks(
    count: int, seed: int
) -> list[tuple[BusinessCalendar, datetime, timedelta, list[Pause]]]:
    """Minute-aligned tasks in 2026 (so the minute-stepping baseline is exact)."""
    rng = random.Random(seed)
    year_start = datetime(2026, 1, 1, tzinfo=UTC)
    tasks = []
    for _ in range(count):
        start = year_start + timedelta(minutes=rng.randrange(360 * 24 * 60))
        pauses: list[Pause] = []
        if rng.random() < 0.2:
            cursor = start - timedelta(minutes=rng.randrange(120))
            for _ in range(rng.randint(1, 3)):
                cursor += timedelta(minutes=rng.randrange(30, 3000))
                pauses.append((cursor, cursor + timedelta(minutes=rng.randrange(10, 2000))))
        target = timedelta(minutes=rng.choice(TARGETS_MIN))
        tasks.append((rng.choice(CALENDARS), start, target, pauses))
    return tasks


def minute_stepping_due(
    cal: BusinessCalendar, start: datetime, duration: timedelta, pauses: Sequence[Pause]
) -> datetime:
    """Baseline: walk minute by minute; a minute counts if open, not a holiday, not paused."""
    tz = ZoneInfo(cal.timezone)
    closed = set(cal.holidays)
    for rule in cal.holiday_rules:
        closed |= rule.dates()
    hours = {
        WEEKDAYS.index(day): [
            (int(a[:2]) * 60 + int(a[3:]), int(b[:2]) * 60 + int(b[3:])) for a, b in spans
        ]
        for day, spans in cal.weekly.items()
    }
    need = int(duration.total_seconds() // 60)
    cursor = start.astimezone(UTC)
    step = timedelta(minutes=1)
    while need > 0:
        paused = any(lo <= cursor < hi for lo, hi in pauses if hi is not None)
        if not paused:
            if cal.always_open:
                need -= 1
            else:
                local = cursor.astimezone(tz)
                minute = local.hour * 60 + local.minute
                if local.date() not in closed and any(
                    a <= minute < b for a, b in hours.get(local.weekday(), ())
                ):
                    need -= 1
        cursor += step
    return cursor


class Timer:
    """Wall and CPU time of a block: the CPU figure is the one to trust on a busy machine."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.cpu:8.3f} s CPU {self.wall:8.3f} s wall"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=150)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    tasks = make_tasks(args.tasks, args.seed)

    with Timer() as cold:  # includes compiling the calendars and building their years
        dues = [add_business_time(cal, start, due, pauses) for cal, start, due, pauses in tasks]
    with Timer() as warm:
        dues = [add_business_time(cal, start, due, pauses) for cal, start, due, pauses in tasks]
    compiled = {id(cal): compile_calendar(cal) for cal in CALENDARS}
    with Timer() as precompiled:
        for cal, start, due, pauses in tasks:
            add_business_time(compiled[id(cal)], start, due, pauses)
    now = datetime(2026, 7, 1, tzinfo=UTC)
    targets = {due: SlaTarget(first_response=due / 4, resolution=due) for *_, due, _ in tasks}
    with Timer() as clocks:
        for cal, start, due, pauses in tasks:
            for kind in ("first_response", "resolution"):
                compute_clock(kind, targets[due], cal, start, pauses, None, now)

    sample = random.Random(args.seed + 1).sample(range(len(tasks)), min(args.sample, len(tasks)))
    mismatches = 0
    with Timer() as naive:
        for i in sample:
            cal, start, due, pauses = tasks[i]
            if minute_stepping_due(cal, start, due, pauses) != dues[i]:
                mismatches += 1
    scale = len(tasks) / len(sample)

    names = ", ".join(cal.name for cal in CALENDARS)
    print(f"tasks: {len(tasks):,} on {len(CALENDARS)} calendars ({names})")
    print(f"add_business_time, first pass (incl. compiling): {cold}")
    print(f"add_business_time, warm (BusinessCalendar in):  {warm}")
    print(f"add_business_time, CompiledCalendar in:          {precompiled}")
    print(f"compute_clock x2 (first response + resolution): {clocks}")
    print(
        f"baseline minute stepping, sample of {len(sample)} tasks:   {naive}\n"
        f"  EXTRAPOLATED to {len(tasks):,} tasks (x{scale:,.0f}):"
        f" {naive.cpu * scale:,.0f} s CPU {naive.wall * scale:,.0f} s wall"
    )
    print(f"agreement on the sample: {len(sample) - mismatches}/{len(sample)} due times equal")
    cpu_ratio = naive.cpu * scale / warm.cpu
    wall_ratio = naive.wall * scale / warm.wall
    print(
        "ratio, extrapolated minute stepping / warm add_business_time:"
        f" {cpu_ratio:,.0f}x (CPU), {wall_ratio:,.0f}x (wall)"
    )


if __name__ == "__main__":
    main()
