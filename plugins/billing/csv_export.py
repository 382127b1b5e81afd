"""CSV export of an invoice: one row per line, a header, stable columns.

Columns never change order (``COLUMNS``); new ones are only ever appended. Decimals
are written in plain notation (``1234.50``, never ``1.2345E+3``), dates in ISO 8601,
and a line's source ids joined by spaces. ``read_lines`` parses the file back, so an
accounting import can be checked against the draft.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from .model import InvoiceDraft, InvoiceLine, TaxCategory

COLUMNS: tuple[str, ...] = (
    "document_number",
    "document_type",
    "issue_date",
    "customer_id",
    "currency",
    "line_id",
    "source_kind",
    "source_ids",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "net_amount",
    "tax_category",
    "tax_rate",
    "tax_amount",
    "work_type",
    "rate_code",
)


def _text(value: Decimal) -> str:
    return f"{value:f}"


def to_csv(invoice: InvoiceDraft) -> str:
    """The invoice's lines as CSV text (RFC 4180, ``\\r\\n`` row ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for line in invoice.lines:
        writer.writerow(
            (
                invoice.number or "",
                invoice.document_type,
                invoice.issue_date.isoformat(),
                invoice.customer_id,
                invoice.currency,
                line.line_id,
                line.source_kind,
                " ".join(line.source_ids),
                line.description,
                _text(line.quantity),
                line.unit,
                _text(line.unit_price),
                _text(line.net_amount),
                line.tax_category.code,
                _text(line.tax_category.rate),
                _text(line.tax_amount),
                line.work_type or "",
                line.rate_code or "",
            )
        )
    return buffer.getvalue()


def read_lines(text: str) -> list[InvoiceLine]:
    """Parse CSV written by ``to_csv`` back into invoice lines.

    Exemption reasons are not part of the CSV, so tax categories come back with code
    and rate only.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"unexpected CSV header {reader.fieldnames}")
    return [
        InvoiceLine(
            line_id=row["line_id"],
            source_kind=row["source_kind"],  # type: ignore[arg-type]
            source_ids=tuple(row["source_ids"].split()),
            description=row["description"],
            quantity=Decimal(row["quantity"]),
            unit=row["unit"],
            unit_price=Decimal(row["unit_price"]),
            net_amount=Decimal(row["net_amount"]),
            tax_category=TaxCategory(code=row["tax_category"], rate=Decimal(row["tax_rate"])),
            tax_amount=Decimal(row["tax_amount"]),
            work_type=row["work_type"] or None,
            rate_code=row["rate_code"] or None,
        )
        for row in reader
    ]
