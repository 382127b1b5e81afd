"""Draft an invoice for one customer and period.

What goes on the draft, in this line order:

1. recurring fees - one line per unbilled month of each retainer / subscription;
2. block purchases - the price of each block of hours not yet billed;
3. milestones - the fee of each completed, uninvoiced milestone of a
   fixed-fee-per-milestone project;
4. project completions - the contract value of each completed fixed-fee-on-completion
   project;
5. time - the customer's uninvoiced entries dated on or before the period's end (late
   entries from earlier periods are caught up). Each entry's minutes are rounded
   (``RoundingRule``), rated (``rating``) and allocated to a contract (``contracts``);
   the billed portions become lines;
6. covered time - with ``show_covered_time``, zero-priced lines showing the hours each
   fixed-fee project, retainer or block absorbed.

Line-grouping policy for time (``grouping``):

* ``"task"`` (default): one line per (task, work type, rate code, hourly rate, tax
  category) - the customer sees each ticket once per kind of work;
* ``"work_type"``: one line per (work type, rate code, hourly rate, tax category);
* ``"entry"``: one line per entry portion, for customers who audit each entry.

Minutes are summed per group and converted to hours once, so a line's quantity is
exact to four decimals and its net amount is ``round(hours x rate)``. Every line
carries the ids of the entries it bills.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from .contracts import BILLED_KINDS, ContractAllocator, chronological
from .credit_notes import credit_note_for, signed_payable
from .fees import FeeLine, block_purchases, completion_fees, milestone_fees, recurring_fees
from .model import (
    AgreementRow,
    BillingPeriod,
    CustomerRateOverrides,
    CustomerRow,
    DraftBookkeeping,
    InvoiceDraft,
    InvoiceLine,
    MilestoneRow,
    ProjectRow,
    RateCard,
    TaxCategory,
    TimeEntryRow,
)
from .money import (
    ZERO,
    RoundingRule,
    compute_totals,
    hours_from_minutes,
    priced_line,
    round_minutes,
    tax_category_problems,
)
from .rating import rate_resolver

__all__ = ["Grouping", "credit_note_for", "draft_invoice", "signed_payable"]

Grouping = Literal["task", "work_type", "entry"]


class _TimeGroup:
    """Accumulates one time line's minutes and entry ids."""

    __slots__ = (
        "description",
        "entry_ids",
        "minutes",
        "rate_code",
        "tax",
        "unit_price",
        "work_type",
    )

    def __init__(
        self,
        description: str,
        work_type: str,
        rate_code: str,
        unit_price: Decimal,
        tax: TaxCategory,
    ) -> None:
        self.description = description
        self.work_type = work_type
        self.rate_code = rate_code
        self.unit_price = unit_price
        self.tax = tax
        self.minutes: Decimal = ZERO
        self.entry_ids: list[str] = []


def draft_invoice(
    customer: CustomerRow,
    period: BillingPeriod,
    time_entries: Iterable[TimeEntryRow],
    milestones: Iterable[MilestoneRow],
    projects: Iterable[ProjectRow],
    agreements: Iterable[AgreementRow],
    rate_card: RateCard,
    *,
    customer_overrides: CustomerRateOverrides | None = None,
    rounding: RoundingRule | None = None,
    grouping: Grouping = "task",
    show_covered_time: bool = False,
    issue_date: date | None = None,
) -> InvoiceDraft:
    """Build the draft invoice of ``customer`` for ``period`` (see module docstring).

    ``issue_date`` defaults to the period's end; the due date adds the customer's
    payment terms. Raises ``ValueError`` when the rate card's currency differs from the
    customer's or the customer's tax category is unusable. The draft's
    ``bookkeeping`` says what to mark once the invoice is issued.
    """
    if rate_card.currency != customer.currency:
        raise ValueError(
            f"rate card in {rate_card.currency}, customer bills in {customer.currency}"
        )
    if problems := tax_category_problems(customer.tax_category):
        raise ValueError(f"customer {customer.id} tax category: {'; '.join(problems)}")
    project_map = {p.id: p for p in projects}
    agreement_list = [a for a in agreements if a.customer_id == customer.id]
    book = DraftBookkeeping()
    warnings: list[str] = []

    fee_lines: list[FeeLine] = [
        *recurring_fees(customer.id, period, agreement_list, book),
        *block_purchases(customer.id, period, agreement_list, book),
        *milestone_fees(customer.id, period, milestones, project_map, book, warnings),
        *completion_fees(customer.id, period, project_map.values(), book, warnings),
    ]
    currency = customer.currency
    lines: list[InvoiceLine] = [
        priced_line(
            line_id=str(number),
            source_kind=fee.source_kind,
            source_ids=fee.source_ids,
            description=fee.description,
            quantity=fee.quantity,
            unit=fee.unit,
            unit_price=fee.unit_price,
            tax_category=customer.tax_category,
            currency=currency,
        )
        for number, fee in enumerate(fee_lines, start=1)
    ]
    groups, covered = _time_groups(
        customer,
        period,
        time_entries,
        project_map,
        agreement_list,
        rate_card,
        customer_overrides,
        rounding or RoundingRule(),
        grouping,
        book,
    )
    for group in groups:
        lines.append(
            priced_line(
                line_id=str(len(lines) + 1),
                source_kind="time",
                source_ids=tuple(group.entry_ids),
                description=group.description,
                quantity=hours_from_minutes(group.minutes),
                unit="HUR",
                unit_price=group.unit_price,
                tax_category=group.tax,
                currency=currency,
                work_type=group.work_type,
                rate_code=group.rate_code,
            )
        )
    if show_covered_time:
        for (kind, contract_id), (minutes, ids) in covered.items():
            name = _contract_name(kind, contract_id, project_map, agreement_list)
            lines.append(
                priced_line(
                    line_id=str(len(lines) + 1),
                    source_kind="covered_time",
                    source_ids=tuple(ids),
                    description=f"Time covered by {name}",
                    quantity=hours_from_minutes(minutes),
                    unit="HUR",
                    unit_price=ZERO,
                    tax_category=customer.tax_category,
                    currency=currency,
                )
            )
    totals = compute_totals(lines, currency)
    issued = issue_date or period.end
    return InvoiceDraft(
        customer_id=customer.id,
        currency=currency,
        issue_date=issued,
        due_date=issued + timedelta(days=customer.payment_terms_days),
        period=period,
        buyer_reference=customer.buyer_reference,
        lines=lines,
        tax_subtotals=totals.tax_subtotals,
        line_total=totals.line_total,
        tax_exclusive=totals.tax_exclusive,
        tax_total=totals.tax_total,
        tax_inclusive=totals.tax_inclusive,
        payable=totals.payable,
        warnings=warnings,
        bookkeeping=book,
    )


def _time_groups(
    customer: CustomerRow,
    period: BillingPeriod,
    time_entries: Iterable[TimeEntryRow],
    projects: dict[str, ProjectRow],
    agreements: list[AgreementRow],
    rate_card: RateCard,
    overrides: CustomerRateOverrides | None,
    rounding: RoundingRule,
    grouping: Grouping,
    book: DraftBookkeeping,
) -> tuple[list[_TimeGroup], dict[tuple[str, str], tuple[Decimal, list[str]]]]:
    """Rate, allocate and group the eligible entries; the hot loop of drafting."""
    resolve = rate_resolver(rate_card, overrides)
    allocator = ContractAllocator(projects, agreements)
    rounded: dict[int, int] = {}  # logged minutes -> billed minutes; few distinct values
    taxes: dict[str, TaxCategory] = {}
    labels: dict[str, str] = {}
    groups: dict[tuple[object, ...], _TimeGroup] = {}
    covered: dict[tuple[str, str], tuple[Decimal, list[str]]] = {}
    eligible = (
        e
        for e in time_entries
        if e.customer_id == customer.id and e.invoice_id is None and e.work_date <= period.end
    )
    for entry in chronological(eligible):
        billed = rounded.get(entry.minutes)
        if billed is None:
            billed = rounded[entry.minutes] = round_minutes(entry.minutes, rounding)
        rate = resolve(entry)
        book.entry_ids.append(entry.id)
        for portion in allocator.allocate(entry, billed, rate.billable):
            if portion.kind not in BILLED_KINDS:
                if portion.contract_id is not None:
                    book.absorbed_entry_ids.setdefault(portion.contract_id, []).append(entry.id)
                    minutes, ids = covered.setdefault(
                        (portion.kind, portion.contract_id), (ZERO, [])
                    )
                    ids.append(entry.id)
                    covered[portion.kind, portion.contract_id] = (minutes + portion.minutes, ids)
                continue
            work_type = entry.work_type
            tax = taxes.get(work_type)
            if tax is None:
                card_type = rate_card.work_types.get(work_type)
                tax = taxes[work_type] = (
                    card_type.tax_category
                    if card_type is not None and card_type.tax_category is not None
                    else customer.tax_category
                )
                labels[work_type] = card_type.label if card_type and card_type.label else work_type
            if grouping == "task":
                key: tuple[object, ...] = (entry.task_id, work_type, rate.code, rate.hourly, tax)
            elif grouping == "work_type":
                key = (work_type, rate.code, rate.hourly, tax)
            else:
                key = (entry.id, portion.kind, rate.code)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _TimeGroup(
                    _describe(entry, labels[work_type], grouping, period),
                    work_type,
                    rate.code,
                    rate.hourly,
                    tax,
                )
            group.minutes += portion.minutes
            group.entry_ids.append(entry.id)
    for contract_id, hours in allocator.block_hours_drawn.items():
        book.block_hours_drawn[contract_id] = hours
    return list(groups.values()), covered


def _describe(entry: TimeEntryRow, label: str, grouping: Grouping, period: BillingPeriod) -> str:
    title = entry.task_title or f"task {entry.task_id}"
    if grouping == "task":
        return f"{title}: {label}"
    if grouping == "work_type":
        return f"{label}, {period.start.isoformat()} to {period.end.isoformat()}"
    text = f"{entry.work_date.isoformat()} {title}: {label}"
    return f"{text} - {entry.description}" if entry.description else text


def _contract_name(
    kind: str, contract_id: str, projects: dict[str, ProjectRow], agreements: list[AgreementRow]
) -> str:
    if kind == "project_fixed_fee" and contract_id in projects:
        return f"fixed-fee project {projects[contract_id].name}"
    for agreement in agreements:
        if agreement.id == contract_id:
            return f"{agreement.kind.replace('_', ' ')} {agreement.name}"
    return contract_id
