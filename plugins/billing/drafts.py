"""Drafting invoices from the database: load the inputs, run the engine, store the draft.

A customer has at most one open draft: drafting again supersedes it (status
``superseded``), so two drafts can never claim the same time entries. Nothing is
locked until the draft is finalised (``finalising``), which rebuilds the draft and
refuses it if anything changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from hub.db.engine import write_transaction
from hub.errors import BadRequest, Conflict
from hub.logs import get_logger
from hub.services.context import Actor
from plugins.billing import rows
from plugins.billing.documents import get_invoice, invoice_row
from plugins.billing.drafting import draft_invoice
from plugins.billing.model import (
    AgreementRow,
    BillingPeriod,
    CustomerRateOverrides,
    CustomerRow,
    InvoiceDraft,
    MilestoneRow,
    ProjectRow,
    RateCard,
    TimeEntryRow,
)
from plugins.billing.money import RoundingRule
from plugins.billing.schemas import DraftRequest, InvoiceOut
from plugins.billing.settings import BillingSettings
from plugins.billing.tables import Invoice

log = get_logger("plugins.billing.drafts")
OPEN_STATUSES = ("draft", "approved")


class DraftOptions(msgspec.Struct, kw_only=True):
    """What a draft was built with, stored so finalising rebuilds the same draft."""

    period_start: date
    period_end: date
    issue_date: date
    grouping: str
    show_covered_time: bool


@dataclass
class DraftInputs:
    """Everything the engine needs for one customer, read from the database."""

    customer: CustomerRow
    zone: ZoneInfo
    entries: list[TimeEntryRow]
    projects: list[ProjectRow]
    milestones: list[MilestoneRow]
    milestone_project: dict[int, int]
    agreements: list[AgreementRow]
    card: RateCard
    overrides: CustomerRateOverrides | None
    rounding: RoundingRule


async def load_inputs(customer_id: int, period_end: date, settings: BillingSettings) -> DraftInputs:
    """Read the customer's billable state up to ``period_end``."""
    profile = await rows.profile(customer_id)
    customer, zone = await rows.customer(customer_id, profile)
    projects, milestones, owner = await rows.projects(customer_id)
    return DraftInputs(
        customer=customer,
        zone=zone,
        entries=await rows.time_entries(customer_id, period_end, zone, owner),
        projects=projects,
        milestones=milestones,
        milestone_project=owner,
        agreements=await rows.agreements(customer_id),
        card=await rows.rate_card(settings),
        overrides=rows.overrides(customer_id, profile),
        rounding=profile.rounding or settings.rounding,
    )


def build(inputs: DraftInputs, options: DraftOptions) -> InvoiceDraft:
    """Run the pure engine; its ``ValueError`` (currency, tax) becomes a 400."""
    try:
        return draft_invoice(
            inputs.customer,
            BillingPeriod(options.period_start, options.period_end),
            inputs.entries,
            inputs.milestones,
            inputs.projects,
            inputs.agreements,
            inputs.card,
            customer_overrides=inputs.overrides,
            rounding=inputs.rounding,
            grouping=options.grouping,  # type: ignore[arg-type]
            show_covered_time=options.show_covered_time,
            issue_date=options.issue_date,
        )
    except ValueError as exc:
        raise BadRequest(f"cannot draft: {exc}") from exc


def same_content(a: InvoiceDraft, b: InvoiceDraft) -> bool:
    """Lines, totals and bookkeeping equal: finalising would bill what was drafted."""
    return rows.encode((a.lines, a.payable, a.bookkeeping)) == rows.encode(
        (b.lines, b.payable, b.bookkeeping)
    )


def draft_columns(draft: InvoiceDraft) -> dict[Any, Any]:
    return {
        Invoice.issue_date: draft.issue_date,
        Invoice.currency: draft.currency,
        Invoice.net_total: f"{draft.tax_exclusive:f}",
        Invoice.tax_total: f"{draft.tax_total:f}",
        Invoice.gross_total: f"{draft.tax_inclusive:f}",
        Invoice.document: rows.encode(draft),
    }


async def create_draft(settings: BillingSettings, data: DraftRequest, actor: Actor) -> InvoiceOut:
    """Build and store the customer's draft for the period (replacing an open one)."""
    if data.period_end < data.period_start:
        raise BadRequest("period_end: must not be before period_start", field="period_end")
    async with write_transaction():
        inputs = await load_inputs(data.customer_id, data.period_end, settings)
        options = DraftOptions(
            period_start=data.period_start,
            period_end=data.period_end,
            issue_date=data.issue_date or data.period_end,
            grouping=data.grouping or settings.grouping,
            show_covered_time=(
                settings.show_covered_time
                if data.show_covered_time is None
                else data.show_covered_time
            ),
        )
        draft = build(inputs, options)
        if not draft.lines:
            raise BadRequest(
                f"nothing to invoice for customer {data.customer_id} up to "
                f"{data.period_end.isoformat()}: no uninvoiced billable time, completed "
                "milestones or projects, or fees due",
                field="customer_id",
            )
        # superseded drafts are kept (not deleted) so an id never names two documents
        replaced = (
            await Invoice.update({Invoice.status: "superseded"})
            .where(
                (Invoice.customer == data.customer_id) & Invoice.status.is_in(list(OPEN_STATUSES))
            )
            .returning(Invoice.id)
        )
        values = draft_columns(draft)
        values.update(
            {
                Invoice.customer: data.customer_id,
                Invoice.document_type: "invoice",
                Invoice.status: "draft",
                Invoice.period_start: data.period_start,
                Invoice.period_end: data.period_end,
                Invoice.options: rows.encode(options),
                Invoice.created_by: actor.name,
            }
        )
        inserted = await Invoice.insert(
            Invoice(**{column._meta.name: value for column, value in values.items()})
        ).returning(Invoice.id)
    invoice_id = inserted[0]["id"]
    log.info(
        "invoice_drafted",
        invoice_id=invoice_id,
        customer_id=data.customer_id,
        lines=len(draft.lines),
        entries=len(draft.bookkeeping.entry_ids),
        replaced=[r["id"] for r in replaced],
    )
    return await get_invoice(invoice_id)


async def approve(invoice_id: int, actor: Actor) -> InvoiceOut:
    """Mark a draft approved (needed before finalising when ``require_approval``)."""
    async with write_transaction():
        row = await invoice_row(invoice_id)
        if row["status"] != "draft":
            raise Conflict(f"invoice {invoice_id} is {row['status']}; only a draft can be approved")
        await Invoice.update(
            {
                Invoice.status: "approved",
                Invoice.approved_by: actor.name,
                Invoice.approved_at: datetime.now(UTC),
            }
        ).where(Invoice.id == invoice_id)
    return await get_invoice(invoice_id)


async def discard(invoice_id: int) -> None:
    """Discard an open draft (kept as ``discarded``; a final invoice needs a credit note)."""
    async with write_transaction():
        row = await invoice_row(invoice_id)
        if row["status"] not in OPEN_STATUSES:
            raise Conflict(
                f"invoice {invoice_id} is {row['status']}; issue a credit note to undo it"
            )
        await Invoice.update({Invoice.status: "discarded"}).where(Invoice.id == invoice_id)
