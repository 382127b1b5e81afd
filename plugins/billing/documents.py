"""Invoice rows <-> API views and the stored ``InvoiceDraft`` document."""

from __future__ import annotations

from typing import Any

import msgspec

from hub.errors import NotFound
from plugins.billing.model import InvoiceDraft
from plugins.billing.schemas import ExportOut, InvoiceOut, LineOut, TaxSubtotalOut
from plugins.billing.tables import Export, Invoice

_decoder = msgspec.json.Decoder(InvoiceDraft)


def document_of(row: dict[str, Any]) -> InvoiceDraft:
    return _decoder.decode(row["document"])


async def invoice_row(invoice_id: int) -> dict[str, Any]:
    row = await Invoice.select().where(Invoice.id == invoice_id).first()
    if row is None:
        raise NotFound("invoice", invoice_id)
    return row


async def exports_of(invoice_id: int) -> list[ExportOut]:
    rows = await Export.select().where(Export.invoice == invoice_id).order_by(Export.sink)
    return [
        ExportOut(
            sink=r["sink"],
            status=r["status"],
            attempts=r["attempts"],
            reference=r["reference"],
            last_error=r["last_error"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


def _text(value: Any) -> str:
    return f"{value:f}"


async def invoice_out(row: dict[str, Any]) -> InvoiceOut:
    """The API view of an invoice or credit note row."""
    doc = document_of(row)
    return InvoiceOut(
        id=row["id"],
        document_type=row["document_type"],
        status=row["status"],
        number=row["number"],
        customer_id=row["customer"],
        currency=doc.currency,
        period_start=row["period_start"],
        period_end=row["period_end"],
        issue_date=doc.issue_date,
        due_date=doc.due_date,
        billing_reference=doc.billing_reference,
        credited_invoice_id=row["credited_invoice"],
        note=doc.note,
        lines=[
            LineOut(
                line_id=line.line_id,
                source_kind=line.source_kind,
                source_ids=list(line.source_ids),
                description=line.description,
                quantity=_text(line.quantity),
                unit=line.unit,
                unit_price=_text(line.unit_price),
                net_amount=_text(line.net_amount),
                tax_code=line.tax_category.code,
                tax_rate=_text(line.tax_category.rate),
                tax_amount=_text(line.tax_amount),
                work_type=line.work_type,
                rate_code=line.rate_code,
            )
            for line in doc.lines
        ],
        tax_subtotals=[
            TaxSubtotalOut(
                tax_code=s.category.code,
                tax_rate=_text(s.category.rate),
                taxable_amount=_text(s.taxable_amount),
                tax_amount=_text(s.tax_amount),
            )
            for s in doc.tax_subtotals
        ],
        net_total=_text(doc.tax_exclusive),
        tax_total=_text(doc.tax_total),
        gross_total=_text(doc.tax_inclusive),
        warnings=list(doc.warnings),
        created_by=row["created_by"],
        approved_by=row["approved_by"],
        approved_at=row["approved_at"],
        finalised_at=row["finalised_at"],
        exports=await exports_of(row["id"]),
    )


async def get_invoice(invoice_id: int) -> InvoiceOut:
    return await invoice_out(await invoice_row(invoice_id))


async def list_invoices(
    customer_id: int | None, status: str | None, document_type: str | None, limit: int
) -> list[InvoiceOut]:
    """Newest first, filtered by customer, status and document type."""
    query = Invoice.select().order_by(Invoice.id, ascending=False).limit(limit)
    if customer_id is not None:
        query = query.where(Invoice.customer == customer_id)
    if status is not None:
        query = query.where(Invoice.status == status)
    if document_type is not None:
        query = query.where(Invoice.document_type == document_type)
    return [await invoice_out(r) for r in await query]
