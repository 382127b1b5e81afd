"""Benchmark: draft an invoice from 50,000 time entries stored in the database.

Run by hand: ``python bench/billing.py`` (SQLite in a temporary folder) or with
``ATLAS_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db>`` (an empty
database; its tables are created by the hub's migrations and emptied first).

Figures printed, each the median of several runs in the same process:

* **baseline** - one SQL query summing the same rows (``SUM(minutes)``, ``COUNT(*)``
  over the customer's uninvoiced entries up to the period's end): the least any
  drafter has to make the database do;
* **draft** - ``POST /invoices/draft`` minus HTTP: load the entries (with task,
  technician role and project), rate, round, allocate to contracts (a fixed-fee
  project absorbs a quarter, a block of hours is drawn down), group, tax, store;
* the split of the draft into loading rows, the pure engine and storing;
* the ratio draft / baseline.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.db import engine as db
from hub.db.tables import Customer, Task, Technician, TimeEntry
from hub.projects.tables import Milestone, Project
from hub.services.context import SYSTEM
from plugins.billing import drafts
from plugins.billing.schemas import DraftRequest
from plugins.billing.settings import parse_settings
from plugins.billing.tables import Agreement

N = 50_000
TASKS = 500
REPEAT = 5
PERIOD_END = date(2026, 5, 31)
SETTINGS = parse_settings({"rounding": {"increment_minutes": 15}, "default_hourly": "95"})
BASELINE_SQL = """
SELECT SUM(te.minutes) AS minutes, COUNT(*) AS entries
FROM time_entry te JOIN task t ON t.id = te.task
WHERE t.customer = {customer} AND te.invoice_id IS NULL AND te.started_at < {cutoff}
"""


async def seed() -> int:
    """One customer, two technicians, 500 tasks (a quarter under a fixed-fee project),
    a block of hours and 50,000 entries; returns the customer id."""
    customer = (
        await Customer.insert(Customer(name="Bench BV", settings='{"tax_rate": "21"}')).returning(
            Customer.id
        )
    )[0]["id"]
    techs = [
        (
            await Technician.insert(Technician(name=n, email=f"{n}@b.example", role=r)).returning(
                Technician.id
            )
        )[0]["id"]
        for n, r in (("ann", "senior"), ("bob", "technician"))
    ]
    project = (
        await Project.insert(
            Project(
                customer=customer,
                name="Fixed",
                billing_mode="fixed_fee_milestones",
                status="active",
                contract_value="1000",
            )
        ).returning(Project.id)
    )[0]["id"]
    milestone = (
        await Milestone.insert(Milestone(project=project, name="All", fee="1000")).returning(
            Milestone.id
        )
    )[0]["id"]
    await Agreement.insert(
        Agreement(
            customer=customer,
            name="Block",
            kind="block_hours",
            starts_on=date(2026, 1, 1),
            hours_total="2000",
            price="150000",
        )
    )
    now = datetime.now(UTC)
    tasks = []
    for i in range(TASKS):
        row = Task(
            customer=customer,
            title=f"Task {i}",
            priority="normal",
            milestone_id=milestone if i % 4 == 0 else None,
            queue_due_at=now,
        )
        tasks.append((await Task.insert(row).returning(Task.id))[0]["id"])
    start = datetime(2026, 5, 1, 7, tzinfo=UTC)
    kinds = ("remote", "onsite", "internal", "remote")
    batch = []
    async with db.write_transaction():
        for i in range(N):
            batch.append(
                TimeEntry(
                    task=tasks[i % TASKS],
                    technician=techs[i % 2],
                    started_at=start + timedelta(seconds=40 * i),
                    minutes=5 + i % 115,
                    work_type=kinds[i % 4],
                    billable=i % 50 != 0,
                )
            )
            if len(batch) == 1000:
                await TimeEntry.insert(*batch)
                batch = []
    return customer


async def median_of(fn: Callable[[], Awaitable[object]]) -> tuple[float, object]:
    timings, result = [], None
    for _ in range(REPEAT):
        began = time.perf_counter()
        result = await fn()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings), result


async def run() -> None:
    url = os.environ.get("ATLAS_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        async with db.database(url, Path(folder) / "bench.sqlite3") as engine:
            if url:
                tables = ", ".join(
                    t._meta.tablename for t in db.all_tables() if t._meta.tablename != "migration"
                )
                await engine.run_ddl(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
            began = time.perf_counter()
            customer = await seed()
            if url:
                await engine.run_ddl("ANALYZE")  # fresh tables: give the planner statistics
            print(
                f"seeded {N} entries in {time.perf_counter() - began:.1f} s "
                f"({'postgresql' if url else 'sqlite'})"
            )
            cutoff = datetime(2026, 6, 1, tzinfo=UTC)
            literal = f"'{cutoff.isoformat()}'"
            sql = BASELINE_SQL.format(customer=customer, cutoff=literal)
            base, base_rows = await median_of(lambda: TimeEntry.raw(sql))
            request = DraftRequest(
                customer_id=customer, period_start=date(2026, 5, 1), period_end=PERIOD_END
            )
            full, out = await median_of(lambda: drafts.create_draft(SETTINGS, request, SYSTEM))
            load, inputs = await median_of(
                lambda: drafts.load_inputs(customer, PERIOD_END, SETTINGS)
            )
            options = drafts.DraftOptions(
                period_start=date(2026, 5, 1),
                period_end=PERIOD_END,
                issue_date=PERIOD_END,
                grouping="task",
                show_covered_time=False,
            )

            async def engine_only() -> object:
                return drafts.build(inputs, options)  # type: ignore[arg-type]

            pure, _ = await median_of(engine_only)
    print(
        f"baseline SQL sum: {base_rows[0]['entries']} entries, "  # type: ignore[index]
        f"{base_rows[0]['minutes']} minutes: {base * 1000:.1f} ms"
    )  # type: ignore[index]
    print(
        f"draft (load + engine + store): {len(out.lines)} lines, "  # type: ignore[attr-defined]
        f"payable {out.gross_total}: {full * 1000:.1f} ms"
    )  # type: ignore[attr-defined]
    print(
        f"  load rows: {load * 1000:.1f} ms, engine: {pure * 1000:.1f} ms, "
        f"store + rest: {max(0.0, full - load - pure) * 1000:.1f} ms"
    )
    print(f"ratio draft / SQL sum: {full / base:.1f}x")


if __name__ == "__main__":
    Decimal  # noqa: B018 - decimals appear in the stored figures only
    asyncio.run(run())
