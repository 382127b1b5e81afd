"""Rate resolution precedence."""

from __future__ import annotations

from decimal import Decimal

from plugins.billing.model import CustomerRateOverrides
from plugins.billing.rating import rate_resolver, resolve_rate

from .builders import make_entry, make_rate_card

CARD = make_rate_card()
OVERRIDES = CustomerRateOverrides(
    customer_id="c1",
    default_hourly=Decimal("85.00"),
    work_types={"onsite": Decimal("110.00")},
    roles={"senior": Decimal("130.00")},
    non_billable_work_types=("travel",),
)


def code_and_rate(**changes: object) -> tuple[str, Decimal, bool]:
    rate = resolve_rate(make_entry("e", **changes), CARD, OVERRIDES)
    return rate.code, rate.hourly, rate.billable


def test_rate_card_precedence_without_overrides() -> None:
    def plain(**changes: object) -> tuple[str, Decimal]:
        rate = resolve_rate(make_entry("e", **changes), CARD)
        return rate.code, rate.hourly

    assert plain(work_type="onsite", technician_role="senior") == ("WT:onsite", Decimal("120.00"))
    assert plain(work_type="consulting", technician_role="senior") == (
        "ROLE:senior",
        Decimal("140.00"),
    )
    assert plain(work_type="consulting") == ("DEFAULT", Decimal("90.00"))
    unknown = resolve_rate(make_entry("e", work_type="gardening"), CARD)
    assert (unknown.code, unknown.billable) == ("DEFAULT", True)
    assert "not on the rate card" in unknown.reason


def test_customer_overrides_beat_the_rate_card() -> None:
    assert code_and_rate(work_type="onsite", technician_role="senior") == (
        "CUST:WT:onsite",
        Decimal("110.00"),
        True,
    )
    # customer role rate beats the card's work-type rate
    assert code_and_rate(work_type="remote", technician_role="senior") == (
        "CUST:ROLE:senior",
        Decimal("130.00"),
        True,
    )
    assert code_and_rate(work_type="remote", technician_role="junior") == (
        "CUST:DEFAULT",
        Decimal("85.00"),
        True,
    )


def test_non_billable_rules_come_first() -> None:
    assert code_and_rate(billable=False, work_type="onsite") == ("NB:entry", Decimal(0), False)
    assert code_and_rate(work_type="travel") == ("NB:customer", Decimal(0), False)
    assert code_and_rate(work_type="internal", technician_role="senior") == (
        "NB:work_type",
        Decimal(0),
        False,
    )


def test_memoised_resolver_matches_resolve_rate() -> None:
    resolve = rate_resolver(CARD, OVERRIDES)
    for changes in (
        {},
        {"work_type": "onsite"},
        {"technician_role": "senior"},
        {"billable": False},
    ):
        entry = make_entry("e", **changes)
        assert resolve(entry) == resolve_rate(entry, CARD, OVERRIDES)
        assert resolve(entry) is resolve(entry)
