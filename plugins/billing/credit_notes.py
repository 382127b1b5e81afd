"""Credit notes: documents that undo an issued invoice, fully or line by line.

Following UBL / Peppol BIS 3.0, a credit note is its own document type (CreditNote,
type code 381) whose quantities and amounts stay *positive*; the document type carries
the sign. ``signed_payable`` gives the amount with that sign for ledgers. The credit
note references the invoice it credits (BG-3 ``BillingReference``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from .model import DraftBookkeeping, InvoiceDraft, InvoiceLine
from .money import compute_totals


def credit_note_for(
    invoice: InvoiceDraft,
    *,
    issue_date: date | None = None,
    line_ids: Iterable[str] | None = None,
    reason: str | None = None,
) -> InvoiceDraft:
    """A credit note undoing ``invoice`` (all lines, or only ``line_ids``).

    The invoice must be numbered (the credit note cites it). Lines keep their ids,
    sources and amounts, so the core can release exactly what the invoice consumed:
    a full credit copies the invoice's bookkeeping (entries to un-mark, block hours to
    give back, fee months to roll back); a partial credit lists the entries,
    milestones, projects and blocks of the credited lines only and gives no hours
    back - a block drawn by a credited line must be adjusted by hand.
    """
    if invoice.document_type != "invoice":
        raise ValueError("only an invoice can be credited")
    if invoice.number is None:
        raise ValueError("number the invoice before crediting it")
    wanted = None if line_ids is None else set(line_ids)
    lines = [line for line in invoice.lines if wanted is None or line.line_id in wanted]
    if wanted is not None:
        unknown = wanted - {line.line_id for line in lines}
        if unknown:
            raise ValueError(f"invoice {invoice.number} has no lines {sorted(unknown)}")
    if not lines:
        raise ValueError("a credit note needs at least one line")
    totals = compute_totals(lines, invoice.currency)
    return InvoiceDraft(
        document_type="credit_note",
        customer_id=invoice.customer_id,
        currency=invoice.currency,
        issue_date=issue_date or invoice.issue_date,
        due_date=None,
        period=invoice.period,
        buyer_reference=invoice.buyer_reference,
        billing_reference=invoice.number,
        billing_reference_date=invoice.issue_date,
        note=reason or f"Credit for invoice {invoice.number}",
        lines=lines,
        tax_subtotals=totals.tax_subtotals,
        line_total=totals.line_total,
        tax_exclusive=totals.tax_exclusive,
        tax_total=totals.tax_total,
        tax_inclusive=totals.tax_inclusive,
        payable=totals.payable,
        bookkeeping=_full_copy(invoice.bookkeeping) if wanted is None else _from_lines(lines),
    )


def _full_copy(book: DraftBookkeeping) -> DraftBookkeeping:
    return DraftBookkeeping(
        entry_ids=list(book.entry_ids),
        absorbed_entry_ids={key: list(ids) for key, ids in book.absorbed_entry_ids.items()},
        block_hours_drawn=dict(book.block_hours_drawn),
        fees_invoiced_through=dict(book.fees_invoiced_through),
        milestone_ids=list(book.milestone_ids),
        completed_project_ids=list(book.completed_project_ids),
        purchased_block_ids=list(book.purchased_block_ids),
    )


def _from_lines(lines: Iterable[InvoiceLine]) -> DraftBookkeeping:
    ids: dict[str, dict[str, None]] = {}  # ordered sets per source kind
    for line in lines:
        ids.setdefault(line.source_kind, {}).update(dict.fromkeys(line.source_ids))
    return DraftBookkeeping(
        entry_ids=list({**ids.get("time", {}), **ids.get("covered_time", {})}),
        milestone_ids=list(ids.get("milestone", {})),
        completed_project_ids=list(ids.get("project_completion", {})),
        purchased_block_ids=list(ids.get("block_purchase", {})),
    )


def signed_payable(document: InvoiceDraft) -> Decimal:
    """Payable amount with the document's sign: negative for a credit note."""
    return -document.payable if document.document_type == "credit_note" else document.payable
