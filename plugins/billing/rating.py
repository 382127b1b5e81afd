"""Hourly rate of a time entry: rate card, technician roles and customer overrides.

Precedence, first match wins (``Rate.code`` names the rule that matched):

1. ``NB:entry``      the technician marked the entry non-billable;
2. ``NB:customer``   the customer's overrides list the work type as non-billable;
3. ``NB:work_type``  the rate card marks the work type non-billable (internal, travel);
4. ``CUST:WT:<wt>``  customer override for the work type;
5. ``CUST:ROLE:<r>`` customer override for the technician's role;
6. ``CUST:DEFAULT``  the customer's negotiated default rate;
7. ``WT:<wt>``       rate-card rate of the work type;
8. ``ROLE:<r>``      rate-card rate of the technician's role;
9. ``DEFAULT``       rate-card default rate.

So a customer's price always beats the list price, and within each the most specific
key (work type, then role) wins. Non-billable rates have ``hourly`` 0.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import CustomerRateOverrides, Rate, RateCard, TimeEntryRow
from .money import ZERO


def resolve_rate(
    entry: TimeEntryRow,
    rate_card: RateCard,
    customer_overrides: CustomerRateOverrides | None = None,
) -> Rate:
    """The rate ``entry`` bills at, by the documented precedence."""
    return _resolve(
        entry.work_type, entry.technician_role, entry.billable, rate_card, customer_overrides
    )


def _resolve(
    work_type: str,
    role: str | None,
    billable: bool,
    card: RateCard,
    overrides: CustomerRateOverrides | None,
) -> Rate:
    if not billable:
        return Rate("NB:entry", ZERO, False, "entry marked non-billable")
    if overrides is not None and work_type in overrides.non_billable_work_types:
        return Rate(
            "NB:customer", ZERO, False, f"work type {work_type!r} is non-billable for this customer"
        )
    card_type = card.work_types.get(work_type)
    if card_type is not None and not card_type.billable:
        return Rate("NB:work_type", ZERO, False, f"work type {work_type!r} is non-billable")
    if overrides is not None:
        if work_type in overrides.work_types:
            return Rate(
                f"CUST:WT:{work_type}",
                overrides.work_types[work_type],
                True,
                f"customer rate for work type {work_type!r}",
            )
        if role is not None and role in overrides.roles:
            return Rate(
                f"CUST:ROLE:{role}", overrides.roles[role], True, f"customer rate for role {role!r}"
            )
        if overrides.default_hourly is not None:
            return Rate("CUST:DEFAULT", overrides.default_hourly, True, "customer default rate")
    if card_type is not None and card_type.hourly is not None:
        return Rate(
            f"WT:{work_type}", card_type.hourly, True, f"rate card rate for work type {work_type!r}"
        )
    if role is not None and role in card.roles:
        return Rate(f"ROLE:{role}", card.roles[role], True, f"rate card rate for role {role!r}")
    reason = "rate card default rate"
    if card_type is None:
        reason += f" (work type {work_type!r} not on the rate card)"
    return Rate("DEFAULT", card.default_hourly, True, reason)


def rate_resolver(
    rate_card: RateCard, customer_overrides: CustomerRateOverrides | None = None
) -> Callable[[TimeEntryRow], Rate]:
    """A memoised ``resolve_rate`` for many entries of one customer.

    The rate depends only on (work type, role, billable flag), so drafting 50,000
    entries resolves a handful of distinct keys.
    """
    cache: dict[tuple[str, str | None, bool], Rate] = {}

    def resolve(entry: TimeEntryRow) -> Rate:
        key = (entry.work_type, entry.technician_role, entry.billable)
        rate = cache.get(key)
        if rate is None:
            rate = cache[key] = _resolve(*key, rate_card, customer_overrides)
        return rate

    return resolve
