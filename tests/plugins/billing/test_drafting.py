"""Drafting invoices in every billing mode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import msgspec
import pytest

from plugins.billing.drafting import draft_invoice
from plugins.billing.model import (
    AgreementRow,
    CustomerRateOverrides,
    MilestoneRow,
    ProjectRow,
    RateCard,
    WorkTypeRate,
)
from plugins.billing.money import RoundingRule, exempt

from .builders import MAY, make_customer, make_entry, make_rate_card

D = Decimal
CARD = make_rate_card()


def summary(draft) -> list[tuple[str, tuple[str, ...], Decimal, str, Decimal, Decimal]]:
    return [
        (
            line.source_kind,
            line.source_ids,
            line.quantity,
            line.unit,
            line.unit_price,
            line.net_amount,
        )
        for line in draft.lines
    ]


def test_time_and_materials_groups_per_task_work_type_and_rate() -> None:
    entries = [
        make_entry("e1", minutes=20),  # rounds up to 30
        make_entry("e2", minutes=50),  # -> 60
        make_entry("e3", minutes=10, work_type="onsite", technician_role="senior"),  # -> 15
        make_entry("e4", minutes=45, task_id="t2", task_title="New laptop"),
        make_entry("e5", minutes=30, work_type="internal"),  # non-billable work type
        make_entry("e6", minutes=30, billable=False),
        make_entry("e7", minutes=30, invoice_id="INV-0"),  # already invoiced
        make_entry("e8", minutes=30, customer_id="c2"),
        make_entry("e9", minutes=30, work_date=date(2024, 6, 1)),  # after the period
        make_entry("e10", minutes=15, work_date=date(2024, 4, 29)),  # late entry: caught up
    ]
    draft = draft_invoice(
        make_customer(), MAY, entries, [], [], [], CARD, rounding=RoundingRule(15, "up")
    )
    assert summary(draft) == [
        ("time", ("e10", "e1", "e2"), D("1.7500"), "HUR", D("95.00"), D("166.25")),
        ("time", ("e3",), D("0.2500"), "HUR", D("120.00"), D("30.00")),
        ("time", ("e4",), D("0.7500"), "HUR", D("95.00"), D("71.25")),
    ]
    assert [line.description for line in draft.lines] == [
        "Printer offline: Remote support",
        "Printer offline: On-site support",
        "New laptop: Remote support",
    ]
    assert [line.line_id for line in draft.lines] == ["1", "2", "3"]
    assert draft.line_total == D("267.50")
    assert draft.tax_total == D("56.18")  # 267.50 x 21 % = 56.175, half-up
    assert draft.payable == D("323.68")
    assert draft.due_date == date(2024, 6, 14)
    assert sorted(draft.bookkeeping.entry_ids) == sorted(
        ["e1", "e2", "e3", "e4", "e5", "e6", "e10"]
    )


def test_customer_overrides_and_rate_codes_reach_the_lines() -> None:
    overrides = CustomerRateOverrides(customer_id="c1", work_types={"remote": D("80.00")})
    draft = draft_invoice(
        make_customer(), MAY, [make_entry("e1")], [], [], [], CARD, customer_overrides=overrides
    )
    line = draft.lines[0]
    assert (line.rate_code, line.unit_price, line.net_amount) == ("CUST:WT:remote", D(80), D(80))


def test_fixed_fee_per_milestone_bills_completed_milestones_and_absorbs_time() -> None:
    project = ProjectRow(
        id="p1",
        customer_id="c1",
        name="Office move",
        billing_mode="fixed_fee_milestones",
        contract_value=D("9000.00"),
    )
    milestones = [
        MilestoneRow(
            id="m1",
            project_id="p1",
            name="Plan",
            fee=D("2000.00"),
            completed_on=date(2024, 4, 20),
            invoiced=True,
        ),
        MilestoneRow(
            id="m2",
            project_id="p1",
            name="Cabling",
            fee=D("3000.00"),
            completed_on=date(2024, 5, 15),
        ),
        MilestoneRow(
            id="m3",
            project_id="p1",
            name="Cut-over",
            fee=D("4000.00"),
            completed_on=date(2024, 6, 2),
        ),
    ]
    entries = [make_entry("e1", project_id="p1"), make_entry("e2")]
    draft = draft_invoice(make_customer(), MAY, entries, milestones, [project], [], CARD)
    assert summary(draft) == [
        ("milestone", ("m2",), D(1), "C62", D("3000.00"), D("3000.00")),
        ("time", ("e2",), D("1.0000"), "HUR", D("95.00"), D("95.00")),
    ]
    assert draft.lines[0].description == "Office move: milestone Cabling"
    assert draft.warnings == []
    assert draft.bookkeeping.milestone_ids == ["m2"]
    assert draft.bookkeeping.absorbed_entry_ids == {"p1": ["e1"]}
    assert draft.bookkeeping.entry_ids == ["e1", "e2"]


def test_milestone_fee_mismatch_is_reported_on_the_draft() -> None:
    project = ProjectRow(
        id="p1",
        customer_id="c1",
        name="Office move",
        billing_mode="fixed_fee_milestones",
        contract_value=D("9000.00"),
    )
    milestones = [
        MilestoneRow(
            id="m1", project_id="p1", name="Plan", fee=D("2000.00"), completed_on=date(2024, 5, 3)
        ),
        MilestoneRow(id="m2", project_id="p1", name="Rest", completed_on=date(2024, 5, 4)),
    ]
    draft = draft_invoice(make_customer(), MAY, [], milestones, [project], [], CARD)
    assert [line.source_ids for line in draft.lines] == [("m1",)]
    assert len(draft.warnings) == 2
    assert draft.warnings[0] == "milestone m2 (Rest) has no fee; not billed"
    assert "difference 7000.00" in draft.warnings[1]


def test_fixed_fee_on_completion_bills_once_when_completed() -> None:
    done = ProjectRow(
        id="p1",
        customer_id="c1",
        name="Server refresh",
        billing_mode="fixed_fee_completion",
        status="completed",
        contract_value=D("12500.00"),
        completed_on=date(2024, 5, 28),
    )
    running = ProjectRow(
        id="p2",
        customer_id="c1",
        name="Wi-Fi",
        billing_mode="fixed_fee_completion",
        contract_value=D("800.00"),
    )
    billed = ProjectRow(
        id="p3",
        customer_id="c1",
        name="Old",
        status="completed",
        billing_mode="fixed_fee_completion",
        contract_value=D("1.00"),
        completed_on=date(2024, 3, 1),
        fee_invoiced=True,
    )
    entries = [make_entry("e1", project_id="p1"), make_entry("e2", project_id="p2")]
    draft = draft_invoice(make_customer(), MAY, entries, [], [done, running, billed], [], CARD)
    assert summary(draft) == [
        ("project_completion", ("p1",), D(1), "C62", D("12500.00"), D("12500.00")),
    ]
    assert draft.bookkeeping.completed_project_ids == ["p1"]
    assert draft.bookkeeping.absorbed_entry_ids == {"p1": ["e1"], "p2": ["e2"]}
    assert draft.tax_total == D("2625.00")


def test_block_of_hours_purchase_drawdown_and_overage() -> None:
    purchased = AgreementRow(
        id="b1",
        customer_id="c1",
        name="Prepaid 10h",
        kind="block_hours",
        starts_on=date(2024, 5, 1),
        hours_total=D("10"),
        hours_used=D("8.5"),
        price=D("900.00"),
    )
    entries = [make_entry(f"e{i}", work_date=date(2024, 5, 10 + i)) for i in range(3)]
    draft = draft_invoice(
        make_customer(), MAY, entries, [], [], [purchased], CARD, show_covered_time=True
    )
    assert summary(draft) == [
        ("block_purchase", ("b1",), D(1), "C62", D("900.00"), D("900.00")),
        ("time", ("e1", "e2"), D("1.5000"), "HUR", D("95.00"), D("142.50")),
        ("covered_time", ("e0", "e1"), D("1.5000"), "HUR", D(0), D("0.00")),
    ]
    assert draft.lines[0].description == "Prepaid 10h: block of 10 hours"
    assert draft.lines[2].description == "Time covered by block hours Prepaid 10h"
    assert draft.bookkeeping.block_hours_drawn == {"b1": D("1.5")}
    assert draft.bookkeeping.purchased_block_ids == ["b1"]
    assert draft.line_total == D("1042.50")

    paid = msgspec.structs.replace(purchased, purchase_invoiced=True, hours_used=D(10))
    again = draft_invoice(make_customer(), MAY, entries, [], [], [paid], CARD)
    assert summary(again) == [
        ("time", ("e0", "e1", "e2"), D("3.0000"), "HUR", D("95.00"), D("285.00"))
    ]


def test_retainer_bills_monthly_fees_and_absorbs_covered_time() -> None:
    agreement = AgreementRow(
        id="r1",
        customer_id="c1",
        name="Managed services",
        kind="retainer",
        starts_on=date(2024, 3, 15),
        work_types=("remote",),
        recurring_fee=D("750.00"),
        fees_invoiced_through=date(2024, 3, 31),
    )
    monitoring = AgreementRow(
        id="s1",
        customer_id="c1",
        name="Monitoring",
        kind="subscription",
        starts_on=date(2024, 5, 1),
        recurring_fee=D("49.90"),
    )
    entries = [make_entry("e1"), make_entry("e2", work_type="onsite")]
    draft = draft_invoice(make_customer(), MAY, entries, [], [], [agreement, monitoring], CARD)
    assert summary(draft) == [
        ("recurring_fee", ("r1",), D(1), "MON", D("750.00"), D("750.00")),
        ("recurring_fee", ("r1",), D(1), "MON", D("750.00"), D("750.00")),
        ("recurring_fee", ("s1",), D(1), "MON", D("49.90"), D("49.90")),
        ("time", ("e2",), D("1.0000"), "HUR", D("120.00"), D("120.00")),
    ]
    assert [line.description for line in draft.lines[:3]] == [
        "Managed services: 2024-04",
        "Managed services: 2024-05",
        "Monitoring: 2024-05",
    ]
    assert draft.bookkeeping.fees_invoiced_through == {
        "r1": date(2024, 5, 31),
        "s1": date(2024, 5, 31),
    }
    assert draft.bookkeeping.absorbed_entry_ids == {"r1": ["e1"]}


def test_recurring_fee_stops_at_the_end_of_the_term() -> None:
    agreement = AgreementRow(
        id="r1",
        customer_id="c1",
        name="Old deal",
        kind="subscription",
        starts_on=date(2024, 1, 1),
        ends_on=date(2024, 4, 10),
        recurring_fee=D("10.00"),
        fees_invoiced_through=date(2024, 2, 29),
    )
    draft = draft_invoice(make_customer(), MAY, [], [], [], [agreement], CARD)
    assert [line.description for line in draft.lines] == ["Old deal: 2024-03", "Old deal: 2024-04"]


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        ("work_type", [(("e1", "e2"), D("2.0000")), (("e3",), D("1.0000"))]),
        ("entry", [(("e1",), D("1.0000")), (("e2",), D("1.0000")), (("e3",), D("1.0000"))]),
    ],
)
def test_line_grouping_policies(grouping: str, expected: list) -> None:
    entries = [
        make_entry("e1"),
        make_entry("e2", task_id="t2", description="Toner"),
        make_entry("e3", work_type="onsite"),
    ]
    draft = draft_invoice(make_customer(), MAY, entries, [], [], [], CARD, grouping=grouping)  # type: ignore[arg-type]
    assert [(line.source_ids, line.quantity) for line in draft.lines] == expected
    if grouping == "entry":
        assert draft.lines[1].description == "2024-05-06 Printer offline: Remote support - Toner"
    else:
        assert draft.lines[0].description == "Remote support, 2024-05-01 to 2024-05-31"


def test_work_type_tax_category_gives_a_second_tax_subtotal() -> None:
    card = RateCard(
        default_hourly=D("100.00"),
        work_types={"training": WorkTypeRate(label="Training", tax_category=exempt("Education"))},
    )
    entries = [make_entry("e1"), make_entry("e2", work_type="training", minutes=90)]
    draft = draft_invoice(make_customer(), MAY, entries, [], [], [], card)
    assert [(s.category.code, s.taxable_amount, s.tax_amount) for s in draft.tax_subtotals] == [
        ("S", D("100.00"), D("21.00")),
        ("E", D("150.00"), D("0.00")),
    ]
    assert draft.payable == D("271.00")


def test_rejects_currency_mismatch_and_unusable_tax_category() -> None:
    with pytest.raises(ValueError, match="rate card in EUR"):
        draft_invoice(make_customer(currency="USD"), MAY, [], [], [], [], CARD)
    with pytest.raises(ValueError, match="exemption reason"):
        draft_invoice(make_customer(tax_category=exempt("")), MAY, [], [], [], [], CARD)


def test_fifty_thousand_entries_aggregate_into_exact_lines() -> None:
    """Drafting at scale (timing lives in bench/billing_drafting.py): exact sums."""
    start = datetime(2024, 5, 1, 8, tzinfo=UTC)
    entries = [
        make_entry(
            f"e{i}",
            task_id=f"t{i % 200}",
            minutes=5 + i % 115,
            work_type=("remote", "onsite", "internal")[i % 3],
            started_at=start + timedelta(minutes=i),
            work_date=date(2024, 5, 1 + i % 31),
        )
        for i in range(50_000)
    ]
    rule = RoundingRule(15, "up")
    draft = draft_invoice(make_customer(), MAY, entries, [], [], [], CARD, rounding=rule)
    assert len(draft.lines) == 400  # 200 tasks x 2 billable work types
    assert len(draft.bookkeeping.entry_ids) == 50_000
    billed = [e for e in entries if e.work_type != "internal"]
    assert sum(len(line.source_ids) for line in draft.lines) == len(billed)
    expected_minutes = sum(-(-e.minutes // 15) * 15 for e in billed)
    assert sum(line.quantity for line in draft.lines) * 60 == expected_minutes
    assert draft.line_total == sum(line.net_amount for line in draft.lines)
