"""Properties over random inputs: minutes are conserved, documents always balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.billing.contracts import allocate_time
from plugins.billing.drafting import draft_invoice
from plugins.billing.model import AgreementRow
from plugins.billing.money import RoundingRule, round_minutes
from plugins.billing.ubl import to_ubl
from plugins.billing.ubl_checks import business_rule_errors

from .builders import BUYER, MAY, SELLER, make_customer, make_entry, make_rate_card

entry_specs = st.lists(
    st.tuples(
        st.integers(0, 600),  # minutes
        st.sampled_from(["remote", "onsite", "internal", "consulting"]),
        st.sampled_from([None, "senior", "junior"]),
        st.integers(1, 31),  # day of May
    ),
    max_size=40,
)
blocks = st.lists(st.decimals("0", "20", places=2), max_size=3)
rules = st.builds(
    RoundingRule,
    st.sampled_from([1, 6, 15, 30]),
    st.sampled_from(["up", "nearest", "down"]),
    st.sampled_from([0, 15, 30]),
)


def build(specs, block_hours):
    entries = [
        make_entry(
            f"e{i}",
            minutes=m,
            work_type=w,
            technician_role=r,
            work_date=date(2024, 5, d),
            task_id=f"t{i % 4}",
        )
        for i, (m, w, r, d) in enumerate(specs)
    ]
    agreements = [
        AgreementRow(
            id=f"b{i}",
            customer_id="c1",
            name=f"Block {i}",
            kind="block_hours",
            starts_on=date(2024, 5, 1),
            hours_total=hours,
            price=hours * 80,
        )
        for i, hours in enumerate(block_hours)
    ]
    return entries, agreements


@settings(max_examples=60, deadline=None)
@given(entry_specs, blocks, rules)
def test_allocation_conserves_billed_minutes(specs, block_hours, rule) -> None:
    entries, agreements = build(specs, block_hours)
    allocation = allocate_time(
        entries,
        projects={},
        agreements=agreements,
        billed_minutes=lambda e: round_minutes(e.minutes, rule),
        is_billable=lambda e: e.work_type != "internal",
    )
    for entry in entries:
        portions = [p for p in allocation.portions if p.entry_id == entry.id]
        assert sum(p.minutes for p in portions) == round_minutes(entry.minutes, rule)
    for agreement in agreements:
        assert allocation.block_hours_drawn.get(agreement.id, Decimal(0)) <= agreement.hours_total


@settings(max_examples=40, deadline=None)
@given(entry_specs, blocks, rules, st.sampled_from(["task", "work_type", "entry"]))
def test_every_draft_renders_balanced_ubl(specs, block_hours, rule, grouping) -> None:
    entries, agreements = build(specs, block_hours)
    draft = draft_invoice(
        make_customer(),
        MAY,
        entries,
        [],
        [],
        agreements,
        make_rate_card(),
        rounding=rule,
        grouping=grouping,
        show_covered_time=True,
    )
    if not draft.lines:
        return
    xml = to_ubl(msgspec.structs.replace(draft, number="P-1"), SELLER, BUYER)
    assert business_rule_errors(xml) == []
    assert draft.payable == draft.line_total + draft.tax_total
