"""Benchmark: draft an invoice from 50,000 time entries.

Run by hand: ``python bench/billing_drafting.py``. The baseline, measured in the same
run, is the least any drafter must do - one pass that sums each entry's Decimal
amount into a dict keyed by task and work type - so the ratio shows what rating,
rounding, contract allocation (with a block of hours being drawn down), grouping and
tax cost on top of it.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.billing.drafting import draft_invoice
from plugins.billing.model import (
    AgreementRow,
    BillingPeriod,
    CustomerRow,
    ProjectRow,
    RateCard,
    TimeEntryRow,
    WorkTypeRate,
)
from plugins.billing.money import RoundingRule, standard_rate

N = 50_000
PERIOD = BillingPeriod(date(2024, 5, 1), date(2024, 5, 31))
CUSTOMER = CustomerRow(id="c1", name="Acme", tax_category=standard_rate("21"))
CARD = RateCard(
    default_hourly=Decimal("90"),
    work_types={
        "remote": WorkTypeRate(hourly=Decimal("95")),
        "onsite": WorkTypeRate(hourly=Decimal("120")),
        "internal": WorkTypeRate(billable=False),
    },
    roles={"senior": Decimal("140")},
)
PROJECTS = [
    ProjectRow(id="p1", customer_id="c1", name="T&M", billing_mode="time_and_materials"),
    ProjectRow(id="p2", customer_id="c1", name="Fixed", billing_mode="fixed_fee_milestones"),
]
AGREEMENTS = [
    AgreementRow(
        id="b1",
        customer_id="c1",
        name="Block",
        kind="block_hours",
        starts_on=date(2024, 1, 1),
        hours_total=Decimal(2000),
    ),
]


def entries() -> list[TimeEntryRow]:
    start = datetime(2024, 5, 1, 8, tzinfo=UTC)
    return [
        TimeEntryRow(
            id=f"e{i}",
            customer_id="c1",
            task_id=f"t{i % 500}",
            task_title=f"Task {i % 500}",
            project_id=(None, "p1", "p2", None)[i % 4],
            technician_role=("senior", None)[i % 2],
            work_type=("remote", "onsite", "internal", "remote")[i % 4],
            started_at=start + timedelta(minutes=i),
            work_date=date(2024, 5, 1 + i % 31),
            minutes=5 + i % 115,
        )
        for i in range(N)
    ]


def baseline(rows: list[TimeEntryRow]) -> Decimal:
    totals: dict[tuple[str, str], Decimal] = {}
    rate = Decimal("95") / 60
    for row in rows:
        key = (row.task_id, row.work_type)
        totals[key] = totals.get(key, Decimal(0)) + row.minutes * rate
    return sum(totals.values(), Decimal(0))


def best_of(fn, repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - began)
    return min(timings), statistics.median(timings)


def main() -> None:
    rows = entries()
    base_best, base_median = best_of(lambda: baseline(rows))
    draft = draft_invoice(
        CUSTOMER, PERIOD, rows, [], PROJECTS, AGREEMENTS, CARD, rounding=RoundingRule(15, "up")
    )
    draft_best, draft_median = best_of(
        lambda: draft_invoice(
            CUSTOMER, PERIOD, rows, [], PROJECTS, AGREEMENTS, CARD, rounding=RoundingRule(15, "up")
        )
    )
    print(f"entries: {N}, lines: {len(draft.lines)}, payable: {draft.payable}")
    print(
        f"baseline (sum per task/work type): best {base_best * 1000:.1f} ms, "
        f"median {base_median * 1000:.1f} ms"
    )
    print(
        f"draft_invoice:                     best {draft_best * 1000:.1f} ms, "
        f"median {draft_median * 1000:.1f} ms"
    )
    print(f"ratio draft / baseline: {draft_best / base_best:.1f}x")


if __name__ == "__main__":
    main()
