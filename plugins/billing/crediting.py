"""Credit notes: undo a final invoice (all of it, or chosen lines) and its bookkeeping.

A full credit releases everything the invoice consumed: its time entries are
unlocked (``invoice_id`` back to null, only where it still points at this invoice),
milestones and completion fees become billable again, block hours drawn are given
back and recurring fees roll back to where they were - unless a later invoice has
billed further months, in which case the months stay billed and the credit note says
so. A partial credit releases the entries, milestones, projects and block purchases
of the credited lines only (``credit_notes.credit_note_for``); hours drawn from a
block by credited time are not given back automatically (the note says so).
The credit note is numbered in its own gap-free series in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from hub.db.engine import write_transaction
from hub.db.tables import TimeEntry
from hub.errors import BadRequest, Conflict
from hub.logs import get_logger
from hub.projects.tables import Milestone, Project
from plugins.billing import rows
from plugins.billing.credit_notes import credit_note_for
from plugins.billing.documents import document_of, invoice_row
from plugins.billing.drafts import draft_columns
from plugins.billing.finalising import add_exports, add_shares, chunks, numeric_ids
from plugins.billing.model import DraftBookkeeping
from plugins.billing.money import round_money
from plugins.billing.numbering import format_number, next_value
from plugins.billing.runtime import BillingRuntime
from plugins.billing.schemas import CreditRequest
from plugins.billing.tables import Agreement, Invoice, InvoiceProjectShare

log = get_logger("plugins.billing.crediting")


async def _release(book: DraftBookkeeping, invoice_id: int, prior: dict[str, Any]) -> list[str]:
    """Undo ``book`` for ``invoice_id``; returns notes on what could not be undone."""
    notes: list[str] = []
    for part in chunks(numeric_ids(book.entry_ids)):
        await TimeEntry.update({TimeEntry.invoice_id: None}).where(
            TimeEntry.id.is_in(part) & (TimeEntry.invoice_id == invoice_id)
        )
    for ids, table, column in (
        (numeric_ids(book.milestone_ids), Milestone, Milestone.invoice_id),
        (numeric_ids(book.completed_project_ids), Project, Project.fee_invoice_id),
        (numeric_ids(book.purchased_block_ids), Agreement, Agreement.purchase_invoice_id),
    ):
        if ids:
            await table.update({column: None}).where(table.id.is_in(ids) & (column == invoice_id))
    for key in sorted(set(book.block_hours_drawn) | set(book.fees_invoiced_through)):
        agreement_id = int(key[1:])
        row = await Agreement.select().where(Agreement.id == agreement_id).first()
        if row is None:
            continue
        values: dict[Any, Any] = {Agreement.updated_at: datetime.now(UTC)}
        if key in book.block_hours_drawn:
            used = max(Decimal(0), Decimal(row["hours_used"]) - book.block_hours_drawn[key])
            values[Agreement.hours_used] = f"{used.normalize():f}"
        if key in book.fees_invoiced_through:
            if row["fees_invoiced_through"] == book.fees_invoiced_through[key]:
                before = prior.get("fees_invoiced_through", {}).get(key)
                values[Agreement.fees_invoiced_through] = (
                    None if before is None else date.fromisoformat(before)
                )
            else:
                notes.append(
                    f"{row['name']}: later invoices billed fees after "
                    f"{book.fees_invoiced_through[key].isoformat()}; fee months not rolled back"
                )
        await Agreement.update(values).where(Agreement.id == agreement_id)
    return notes


async def credit(
    runtime: BillingRuntime, invoice_id: int, data: CreditRequest, actor_name: str
) -> int:
    """Issue a credit note for ``invoice_id``; returns the credit note's id."""
    settings = runtime.settings
    async with write_transaction():
        row = await invoice_row(invoice_id)
        if row["document_type"] != "invoice" or row["status"] not in (
            "final",
            "partially_credited",
        ):
            raise Conflict(
                f"{row['document_type']} {invoice_id} is {row['status']}; only a final "
                "invoice can be credited"
            )
        invoice = document_of(row)
        prior = msgspec.json.decode(row["prior"] or "{}")
        already = set(prior.get("credited_lines", []))
        remaining = [line.line_id for line in invoice.lines if line.line_id not in already]
        wanted = remaining if data.line_ids is None else list(dict.fromkeys(data.line_ids))
        if clash := sorted(set(wanted) & already):
            raise Conflict(f"lines {clash} of invoice {row['number']} are already credited")
        if not wanted:
            raise Conflict(f"invoice {row['number']} is fully credited")
        full = not already and set(wanted) == {line.line_id for line in invoice.lines}
        today = datetime.now(UTC).date()
        try:
            note = credit_note_for(
                invoice,
                issue_date=max(today, invoice.issue_date),
                line_ids=None if full else wanted,
                reason=data.reason,
            )
        except ValueError as exc:
            raise BadRequest(str(exc), field="line_ids") from exc
        notes = await _release(note.bookkeeping, invoice_id, prior)
        if not full and any(line.source_kind == "time" for line in note.lines):
            notes.append("block hours drawn by credited time are not given back automatically")
        if notes:
            note.note = "; ".join([note.note or "", *notes]).strip("; ")
        shares = await InvoiceProjectShare.select().where(InvoiceProjectShare.invoice == invoice_id)
        ratio = note.tax_exclusive / invoice.tax_exclusive if invoice.tax_exclusive else Decimal(0)
        value = await next_value("credit_note")
        note.number = format_number(settings.credit_note_prefix, value, settings.number_digits)
        values = draft_columns(note)
        values.update(
            {
                Invoice.customer: row["customer"],
                Invoice.document_type: "credit_note",
                Invoice.status: "final",
                Invoice.number: note.number,
                Invoice.period_start: row["period_start"],
                Invoice.period_end: row["period_end"],
                Invoice.credited_invoice: invoice_id,
                Invoice.created_by: actor_name,
                Invoice.finalised_at: datetime.now(UTC),
            }
        )
        inserted = await Invoice.insert(
            Invoice(**{column._meta.name: v for column, v in values.items()})
        ).returning(Invoice.id)
        note_id = inserted[0]["id"]
        # profitability: the credit takes back the invoice's project shares pro rata
        await add_shares(
            note_id,
            {
                s["project_id"]: -round_money(Decimal(s["amount"]) * ratio, invoice.currency)
                for s in shares
            },
        )
        prior["credited_lines"] = sorted(already | set(wanted))
        fully = len(prior["credited_lines"]) == len(invoice.lines)
        await Invoice.update(
            {
                Invoice.status: "credited" if fully else "partially_credited",
                Invoice.prior: rows.encode(prior),
            }
        ).where(Invoice.id == invoice_id)
        await add_exports(runtime, note_id)
    log.info("invoice_credited", invoice_id=invoice_id, credit_note=note.number, full=full)
    return note_id
