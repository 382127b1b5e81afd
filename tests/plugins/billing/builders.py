"""Builders for billing tests: customers, rate cards, time entries, parties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from plugins.billing.model import (
    BillingPeriod,
    CustomerRow,
    Party,
    RateCard,
    TimeEntryRow,
    WorkTypeRate,
)
from plugins.billing.money import standard_rate

REPO_ROOT = Path(__file__).resolve().parents[3]
MAY = BillingPeriod(date(2024, 5, 1), date(2024, 5, 31))


def make_customer(**changes: object) -> CustomerRow:
    fields: dict[str, object] = {
        "id": "c1",
        "name": "Acme BV",
        "currency": "EUR",
        "tax_category": standard_rate("21"),
        "payment_terms_days": 14,
        "buyer_reference": "PO-4711",
    }
    fields.update(changes)
    return CustomerRow(**fields)  # type: ignore[arg-type]


def make_rate_card() -> RateCard:
    return RateCard(
        currency="EUR",
        default_hourly=Decimal("90.00"),
        work_types={
            "remote": WorkTypeRate(hourly=Decimal("95.00"), label="Remote support"),
            "onsite": WorkTypeRate(hourly=Decimal("120.00"), label="On-site support"),
            "internal": WorkTypeRate(billable=False, label="Internal"),
            "consulting": WorkTypeRate(label="Consulting"),
        },
        roles={"senior": Decimal("140.00"), "junior": Decimal("70.00")},
    )


def make_entry(entry_id: str, **changes: object) -> TimeEntryRow:
    """A 60-minute remote entry of customer c1 on 2024-05-06 unless changed."""
    work_date = changes.pop("work_date", date(2024, 5, 6))
    assert isinstance(work_date, date)
    fields: dict[str, object] = {
        "id": entry_id,
        "customer_id": "c1",
        "task_id": "t1",
        "task_title": "Printer offline",
        "work_type": "remote",
        "started_at": datetime.combine(work_date, time(9, 0), tzinfo=UTC),
        "work_date": work_date,
        "minutes": 60,
    }
    fields.update(changes)
    return TimeEntryRow(**fields)  # type: ignore[arg-type]


SELLER = Party(
    name="Atlas IT Services BV",
    endpoint_id="NL123456789B01",
    endpoint_scheme="9944",
    country_code="NL",
    vat_id="NL123456789B01",
    legal_id="12345678",
    street="Keizersgracht 1",
    city="Amsterdam",
    postal_zone="1015 AA",
    contact_email="billing@atlas.example",
    iban="NL91ABNA0417164300",
)
BUYER = Party(
    name="Acme BV",
    endpoint_id="0123456789",
    endpoint_scheme="0208",
    country_code="BE",
    vat_id="BE0123456789",
    city="Brussels",
)
