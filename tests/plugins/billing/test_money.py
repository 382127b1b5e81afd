"""Currency rounding, tax categories and totals, time rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from plugins.billing.model import TaxCategory
from plugins.billing.money import (
    RoundingRule,
    compute_totals,
    exempt,
    hours_from_minutes,
    minor_units,
    priced_line,
    reverse_charge,
    round_minutes,
    round_money,
    standard_rate,
    tax_amount,
    tax_category_problems,
    zero_rated,
)

D = Decimal


def test_round_money_is_half_up_to_the_currency_minor_units() -> None:
    assert round_money(D("2.345"), "EUR") == D("2.35")
    assert round_money(D("2.344999"), "EUR") == D("2.34")
    assert round_money(D("-2.345"), "EUR") == D("-2.35")
    assert round_money(D("1234.5"), "JPY") == D("1235")
    assert round_money(D("1.0005"), "KWD") == D("1.001")
    assert str(round_money(D("7"), "EUR")) == "7.00"
    assert minor_units("usd") == 2


def test_hours_keep_four_decimals() -> None:
    assert hours_from_minutes(10) == D("0.1667")
    assert hours_from_minutes(90) == D("1.5000")
    assert hours_from_minutes(D("7.5")) == D("0.1250")


def test_tax_category_rules() -> None:
    assert tax_category_problems(standard_rate("21")) == []
    assert tax_category_problems(reverse_charge()) == []
    assert tax_category_problems(zero_rated()) == []
    assert tax_category_problems(exempt("Education", "VATEX-EU-132-1I")) == []
    assert tax_category_problems(TaxCategory(code="S", rate=D(0))) == [
        "category S needs a rate above 0"
    ]
    assert tax_category_problems(TaxCategory(code="E", rate=D(0))) == [
        "category E needs an exemption reason"
    ]
    assert tax_category_problems(TaxCategory(code="Z", rate=D(9))) == [
        "category Z must have rate 0, not 9"
    ]
    assert tax_category_problems(TaxCategory(code="X", rate=D(0))) == [
        "unknown tax category code 'X'"
    ]


def test_line_net_and_tax_are_rounded_per_line() -> None:
    line = priced_line(
        line_id="1",
        source_kind="time",
        source_ids=("e1",),
        description="Work",
        quantity=D("0.1667"),
        unit="HUR",
        unit_price=D("95.00"),
        tax_category=standard_rate("21"),
        currency="EUR",
    )
    assert line.net_amount == D("15.84")  # 15.8365
    assert line.tax_amount == D("3.33")  # 3.3264
    assert tax_amount(D("100.00"), standard_rate("9"), "EUR") == D("9.00")


def test_totals_compute_tax_per_category_not_per_line() -> None:
    s21 = standard_rate("21")
    lines = [
        priced_line(
            line_id=str(i),
            source_kind="time",
            source_ids=(),
            description="x",
            quantity=D(1),
            unit="C62",
            unit_price=D("0.05"),
            tax_category=s21,
            currency="EUR",
        )
        for i in range(3)
    ] + [
        priced_line(
            line_id="9",
            source_kind="time",
            source_ids=(),
            description="y",
            quantity=D(2),
            unit="C62",
            unit_price=D("50"),
            tax_category=reverse_charge(),
            currency="EUR",
        )
    ]
    # each line: 0.05 x 21 % = 0.0105 -> 0.01; three lines sum to 0.03 but the
    # category tax is 0.15 x 21 % = 0.0315 -> 0.03. With 0.07 it would differ:
    totals = compute_totals(lines, "EUR")
    assert [(s.category.code, s.taxable_amount, s.tax_amount) for s in totals.tax_subtotals] == [
        ("S", D("0.15"), D("0.03")),
        ("AE", D("100.00"), D("0.00")),
    ]
    assert totals.line_total == D("100.15")
    assert totals.tax_inclusive == D("100.18") == totals.payable

    odd = [
        priced_line(
            line_id=str(i),
            source_kind="time",
            source_ids=(),
            description="x",
            quantity=D(1),
            unit="C62",
            unit_price=D("0.07"),
            tax_category=s21,
            currency="EUR",
        )
        for i in range(5)
    ]
    assert sum(line.tax_amount for line in odd) == D("0.05")  # 5 x round(0.0147)
    assert compute_totals(odd, "EUR").tax_total == D("0.07")  # round(0.35 x 0.21)


@pytest.mark.parametrize(
    ("minutes", "rule", "billed"),
    [
        (1, RoundingRule(15, "up"), 15),
        (15, RoundingRule(15, "up"), 15),
        (16, RoundingRule(15, "up"), 30),
        (7, RoundingRule(15, "nearest"), 0),
        (8, RoundingRule(15, "nearest"), 15),
        (22, RoundingRule(15, "nearest"), 15),
        (23, RoundingRule(15, "nearest"), 30),
        (29, RoundingRule(15, "down"), 15),
        (10, RoundingRule(15, "up", minimum_minutes=30), 30),
        (40, RoundingRule(15, "down", minimum_minutes=30), 30),
        (50, RoundingRule(15, "down", minimum_minutes=30), 45),
        (0, RoundingRule(15, "up", minimum_minutes=30), 0),
        (37, RoundingRule(), 37),
        (61, RoundingRule(6, "up"), 66),
    ],
)
def test_round_minutes(minutes: int, rule: RoundingRule, billed: int) -> None:
    assert round_minutes(minutes, rule) == billed


def test_rounding_rule_rejects_a_zero_increment() -> None:
    with pytest.raises(ValueError, match="increment"):
        RoundingRule(0)
