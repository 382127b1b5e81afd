"""Money arithmetic: currency rounding, tax per line and per category, time rounding.

Rules (the same everywhere in billing):

* Amounts round ROUND_HALF_UP to the currency's minor units (ISO 4217: 2 for EUR,
  0 for JPY, 3 for KWD), never through a float.
* A line's net amount is ``round(quantity x unit_price)``; hour quantities keep four
  decimals (``HOURS_QUANTUM``), so a 10-minute entry is 0.1667 h.
* The invoice's tax is computed per tax category (code + rate) on the sum of the
  category's net amounts, then rounded once (EN 16931 BR-S-09 / BR-CO-14). The per-line
  tax amount is informative and may differ by a cent from that total.
* Time rounds per entry, before contracts draw on it (``round_minutes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

import msgspec

from .model import InvoiceLine, TaxCategory, TaxSubtotal

HOURS_QUANTUM = Decimal("0.0001")
HUNDRED = Decimal(100)
SIXTY = Decimal(60)
ZERO = Decimal(0)

# ISO 4217 currencies whose minor unit is not 2 digits; all others use 2.
_MINOR_UNITS: dict[str, int] = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}

# Peppol BIS 3.0 (UNCL5305 subset) VAT category codes and whether their rate must be 0.
TAX_CATEGORY_CODES: dict[str, str] = {
    "S": "Standard rate",
    "Z": "Zero rated goods",
    "E": "Exempt from tax",
    "AE": "VAT reverse charge",
    "K": "VAT exempt for EEA intra-community supply",
    "G": "Free export item, tax not charged",
    "O": "Services outside scope of tax",
    "L": "Canary Islands general indirect tax",
    "M": "Tax for production, services and importation in Ceuta and Melilla",
}
_ZERO_RATE_CODES = frozenset({"Z", "E", "AE", "K", "G", "O"})
_NEEDS_EXEMPTION_REASON = frozenset({"E", "AE", "K", "G", "O"})


def minor_units(currency: str) -> int:
    """Number of decimals of ``currency`` (ISO 4217); 2 unless listed otherwise."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def money_quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency`` as a Decimal exponent (``0.01`` for EUR)."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to the minor units of ``currency``."""
    return amount.quantize(money_quantum(currency), rounding=ROUND_HALF_UP)


def hours_from_minutes(minutes: int | Decimal) -> Decimal:
    """Convert minutes to hours with four decimals (half-up)."""
    return (Decimal(minutes) / SIXTY).quantize(HOURS_QUANTUM, rounding=ROUND_HALF_UP)


# --- tax categories -------------------------------------------------------------


def standard_rate(rate: Decimal | str) -> TaxCategory:
    """Category S at ``rate`` percent."""
    return TaxCategory(code="S", rate=Decimal(rate))


def zero_rated() -> TaxCategory:
    """Category Z (0 %)."""
    return TaxCategory(code="Z", rate=ZERO)


def exempt(reason: str, reason_code: str | None = None) -> TaxCategory:
    """Category E with the exemption reason the invoice must state."""
    return TaxCategory(
        code="E", rate=ZERO, exemption_reason=reason, exemption_reason_code=reason_code
    )


def reverse_charge() -> TaxCategory:
    """Category AE: the buyer accounts for the VAT (EU B2B cross-border services)."""
    return TaxCategory(
        code="AE", rate=ZERO, exemption_reason="Reverse charge", exemption_reason_code="VATEX-EU-AE"
    )


def tax_category_problems(category: TaxCategory) -> list[str]:
    """Peppol rules a category breaks (empty list when it is usable).

    Checks the code is known, S/L/M carry a positive rate (BR-S-05), zero categories
    carry 0 (BR-Z-05, BR-E-05, BR-AE-05, ...) and exempt-like ones state a reason
    (BR-E-10, BR-AE-10, BR-IC-10, BR-G-10, BR-O-10).
    """
    problems: list[str] = []
    if category.code not in TAX_CATEGORY_CODES:
        return [f"unknown tax category code {category.code!r}"]
    if category.code in _ZERO_RATE_CODES and category.rate != 0:
        problems.append(f"category {category.code} must have rate 0, not {category.rate}")
    if category.code == "S" and category.rate <= 0:
        problems.append("category S needs a rate above 0")
    if category.code in _NEEDS_EXEMPTION_REASON and not (
        category.exemption_reason or category.exemption_reason_code
    ):
        problems.append(f"category {category.code} needs an exemption reason")
    return problems


def tax_amount(net: Decimal, category: TaxCategory, currency: str) -> Decimal:
    """Tax on ``net`` at the category's rate, rounded to the currency."""
    return round_money(net * category.rate / HUNDRED, currency)


# --- lines and totals ----------------------------------------------------------


def priced_line(
    *,
    line_id: str,
    source_kind: str,
    source_ids: tuple[str, ...],
    description: str,
    quantity: Decimal,
    unit: str,
    unit_price: Decimal,
    tax_category: TaxCategory,
    currency: str,
    work_type: str | None = None,
    rate_code: str | None = None,
) -> InvoiceLine:
    """Build an ``InvoiceLine`` whose net and tax amounts follow the rounding rules."""
    net = round_money(quantity * unit_price, currency)
    return InvoiceLine(
        line_id=line_id,
        source_kind=source_kind,  # type: ignore[arg-type]
        source_ids=source_ids,
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        net_amount=net,
        tax_category=tax_category,
        tax_amount=tax_amount(net, tax_category, currency),
        work_type=work_type,
        rate_code=rate_code,
    )


class Totals(msgspec.Struct, frozen=True, kw_only=True):
    """Document-level amounts (no document allowances or charges are used)."""

    tax_subtotals: list[TaxSubtotal]
    line_total: Decimal
    tax_exclusive: Decimal
    tax_total: Decimal
    tax_inclusive: Decimal
    payable: Decimal


def compute_totals(lines: Iterable[InvoiceLine], currency: str) -> Totals:
    """Totals of ``lines``: one tax subtotal per (category code, rate), grand totals.

    Subtotals keep first-seen order so documents render deterministically.
    """
    taxable: dict[tuple[str, Decimal], Decimal] = {}
    categories: dict[tuple[str, Decimal], TaxCategory] = {}
    line_total = ZERO
    for line in lines:
        key = (line.tax_category.code, line.tax_category.rate)
        taxable[key] = taxable.get(key, ZERO) + line.net_amount
        categories.setdefault(key, line.tax_category)
        line_total += line.net_amount
    subtotals = [
        TaxSubtotal(
            category=categories[key],
            taxable_amount=round_money(amount, currency),
            tax_amount=tax_amount(amount, categories[key], currency),
        )
        for key, amount in taxable.items()
    ]
    line_total = round_money(line_total, currency)
    tax_total = round_money(sum((s.tax_amount for s in subtotals), ZERO), currency)
    return Totals(
        tax_subtotals=subtotals,
        line_total=line_total,
        tax_exclusive=line_total,
        tax_total=tax_total,
        tax_inclusive=line_total + tax_total,
        payable=line_total + tax_total,
    )


# --- time rounding ---------------------------------------------------------------


class RoundingRule(msgspec.Struct, frozen=True):
    """How logged minutes become billed minutes, applied per time entry.

    ``increment_minutes``: the billing unit (15 = quarter hours; 1 = exact minutes).
    ``mode``: "up" to the next increment, "nearest" (half an increment rounds up) or
    "down". ``minimum_minutes``: any entry with time logged bills at least this much
    (e.g. a 30-minute call-out minimum); zero-minute entries stay zero.
    """

    increment_minutes: int = 1
    mode: Literal["up", "nearest", "down"] = "up"
    minimum_minutes: int = 0

    def __post_init__(self) -> None:
        if self.increment_minutes < 1:
            raise ValueError("increment_minutes must be at least 1")
        if self.minimum_minutes < 0:
            raise ValueError("minimum_minutes must not be negative")


_MODES = {"up": ROUND_CEILING, "nearest": ROUND_HALF_UP, "down": ROUND_FLOOR}


def round_minutes(minutes: int, rule: RoundingRule) -> int:
    """Billed minutes for ``minutes`` logged under ``rule``.

    The minimum applies after rounding, so with increment 15 "down" and minimum 30, a
    40-minute entry bills 30 and a 50-minute entry bills 45.
    """
    if minutes <= 0:
        return 0
    increments = (Decimal(minutes) / rule.increment_minutes).quantize(
        Decimal(1), rounding=_MODES[rule.mode]
    )
    rounded = int(increments) * rule.increment_minutes
    return max(rounded, rule.minimum_minutes)
