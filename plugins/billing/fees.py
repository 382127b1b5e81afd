"""Fixed and recurring fee lines: milestones, project completion, monthly fees, blocks.

Each function returns ``FeeLine`` candidates (a fixed quantity at a unit price) and
records what it billed in the draft's bookkeeping; ``drafting`` numbers, prices and
taxes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

import msgspec

from .contracts import check_milestone_fees
from .model import AgreementRow, BillingPeriod, DraftBookkeeping, MilestoneRow, ProjectRow

ONE = Decimal(1)


class FeeLine(msgspec.Struct, frozen=True, kw_only=True):
    """An unpriced-by-time line: fixed quantity x unit price."""

    source_kind: str
    source_ids: tuple[str, ...]
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal


def milestone_fees(
    customer_id: str,
    period: BillingPeriod,
    milestones: Iterable[MilestoneRow],
    projects: Mapping[str, ProjectRow],
    book: DraftBookkeeping,
    warnings: list[str],
) -> list[FeeLine]:
    """Completed, uninvoiced milestones of the customer's fixed-fee-milestone projects.

    Warns (but still bills) when a project's milestone fees do not add up to its
    contract value, and skips a completed milestone that has no fee.
    """
    all_milestones = list(milestones)
    lines: list[FeeLine] = []
    billed_projects: dict[str, ProjectRow] = {}
    for milestone in sorted(all_milestones, key=lambda m: (m.completed_on or date.max, m.id)):
        project = projects.get(milestone.project_id)
        if (
            project is None
            or project.customer_id != customer_id
            or project.billing_mode != "fixed_fee_milestones"
            or milestone.invoiced
            or milestone.completed_on is None
            or milestone.completed_on > period.end
        ):
            continue
        if milestone.fee is None:
            warnings.append(f"milestone {milestone.id} ({milestone.name}) has no fee; not billed")
            continue
        billed_projects[project.id] = project
        book.milestone_ids.append(milestone.id)
        lines.append(
            FeeLine(
                source_kind="milestone",
                source_ids=(milestone.id,),
                description=f"{project.name}: milestone {milestone.name}",
                quantity=ONE,
                unit="C62",
                unit_price=milestone.fee,
            )
        )
    for project in billed_projects.values():
        check = check_milestone_fees(project, all_milestones)
        if not check.ok:
            warnings.append(
                f"project {project.id}: milestone fees {check.fees_total} vs contract value "
                f"{check.contract_value} (difference {check.difference}, milestones without "
                f"fee: {list(check.missing_fee_milestone_ids)})"
            )
    return lines


def completion_fees(
    customer_id: str,
    period: BillingPeriod,
    projects: Iterable[ProjectRow],
    book: DraftBookkeeping,
    warnings: list[str],
) -> list[FeeLine]:
    """Contract value of fixed-fee-on-completion projects completed by period end."""
    lines: list[FeeLine] = []
    for project in sorted(projects, key=lambda p: p.id):
        if (
            project.customer_id != customer_id
            or project.billing_mode != "fixed_fee_completion"
            or project.status != "completed"
            or project.fee_invoiced
            or project.completed_on is None
            or project.completed_on > period.end
        ):
            continue
        if project.contract_value is None:
            warnings.append(f"project {project.id} ({project.name}) has no contract value")
            continue
        book.completed_project_ids.append(project.id)
        lines.append(
            FeeLine(
                source_kind="project_completion",
                source_ids=(project.id,),
                description=f"{project.name}: fixed fee on completion",
                quantity=ONE,
                unit="C62",
                unit_price=project.contract_value,
            )
        )
    return lines


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def billable_months(agreement: AgreementRow, period: BillingPeriod) -> list[date]:
    """First days of the calendar months whose recurring fee this draft bills.

    A month is billed (in advance, full fee, no proration) when it overlaps the
    agreement's term, starts on or before the period's end, and starts after
    ``fees_invoiced_through``. Unbilled earlier months are caught up.
    """
    first = _month_start(agreement.starts_on)
    if agreement.fees_invoiced_through is not None:
        first = max(first, _next_month(_month_start(agreement.fees_invoiced_through)))
    last = _month_start(period.end)
    if agreement.ends_on is not None:
        last = min(last, _month_start(agreement.ends_on))
    months: list[date] = []
    month = first
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def recurring_fees(
    customer_id: str,
    period: BillingPeriod,
    agreements: Iterable[AgreementRow],
    book: DraftBookkeeping,
) -> list[FeeLine]:
    """One line per unbilled month of each active agreement with a recurring fee."""
    lines: list[FeeLine] = []
    for agreement in sorted(agreements, key=lambda a: a.id):
        if (
            agreement.customer_id != customer_id
            or agreement.recurring_fee is None
            or agreement.status != "active"
        ):
            continue
        months = billable_months(agreement, period)
        for month in months:
            lines.append(
                FeeLine(
                    source_kind="recurring_fee",
                    source_ids=(agreement.id,),
                    description=f"{agreement.name}: {month:%Y-%m}",
                    quantity=ONE,
                    unit="MON",
                    unit_price=agreement.recurring_fee,
                )
            )
        if months:
            book.fees_invoiced_through[agreement.id] = _next_month(months[-1]) - timedelta(days=1)
    return lines


def block_purchases(
    customer_id: str,
    period: BillingPeriod,
    agreements: Iterable[AgreementRow],
    book: DraftBookkeeping,
) -> list[FeeLine]:
    """The purchase price of blocks of hours starting by period end, billed once."""
    lines: list[FeeLine] = []
    for agreement in sorted(agreements, key=lambda a: (a.starts_on, a.id)):
        if (
            agreement.customer_id != customer_id
            or agreement.kind != "block_hours"
            or agreement.price is None
            or agreement.purchase_invoiced
            or agreement.status == "cancelled"
            or agreement.starts_on > period.end
        ):
            continue
        book.purchased_block_ids.append(agreement.id)
        hours = agreement.hours_total if agreement.hours_total is not None else Decimal(0)
        lines.append(
            FeeLine(
                source_kind="block_purchase",
                source_ids=(agreement.id,),
                description=f"{agreement.name}: block of {hours.normalize():f} hours",
                quantity=ONE,
                unit="C62",
                unit_price=agreement.price,
            )
        )
    return lines
