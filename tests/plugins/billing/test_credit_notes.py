"""Credit notes undo an invoice, fully or line by line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import msgspec
import pytest

from plugins.billing.drafting import credit_note_for, draft_invoice, signed_payable
from plugins.billing.model import AgreementRow, InvoiceDraft

from .builders import MAY, make_customer, make_entry, make_rate_card

D = Decimal


def issued_invoice() -> InvoiceDraft:
    block = AgreementRow(
        id="b1",
        customer_id="c1",
        name="Prepaid",
        kind="block_hours",
        starts_on=date(2024, 5, 1),
        hours_total=D(1),
        price=D("90.00"),
    )
    entries = [make_entry("e1", minutes=90), make_entry("e2", task_id="t2", minutes=30)]
    draft = draft_invoice(make_customer(), MAY, entries, [], [], [block], make_rate_card())
    return msgspec.structs.replace(draft, number="INV-2024-0042")


def test_full_credit_note_mirrors_the_invoice() -> None:
    invoice = issued_invoice()
    credit = credit_note_for(invoice, issue_date=date(2024, 6, 3))
    assert credit.document_type == "credit_note"
    assert (credit.billing_reference, credit.billing_reference_date) == (
        "INV-2024-0042",
        date(2024, 5, 31),
    )
    assert credit.issue_date == date(2024, 6, 3)
    assert credit.due_date is None
    assert credit.lines == invoice.lines
    assert (credit.line_total, credit.tax_total, credit.payable) == (
        invoice.line_total,
        invoice.tax_total,
        invoice.payable,
    )
    assert credit.payable == D("223.85")  # (90 + 0.5 h x 95 + 0.5 h x 95) x 1.21
    assert signed_payable(credit) == -invoice.payable == D("-223.85")
    assert signed_payable(invoice) == D("223.85")
    assert credit.bookkeeping == invoice.bookkeeping
    assert credit.bookkeeping.block_hours_drawn == {"b1": D(1)}
    assert credit.note == "Credit for invoice INV-2024-0042"


def test_partial_credit_note_recomputes_totals_from_chosen_lines() -> None:
    invoice = issued_invoice()
    time_line = next(line for line in invoice.lines if line.source_ids == ("e2",))
    credit = credit_note_for(invoice, line_ids=[time_line.line_id], reason="Goodwill")
    assert [line.line_id for line in credit.lines] == [time_line.line_id]
    assert (credit.line_total, credit.tax_total, credit.payable) == (
        D("47.50"),
        D("9.98"),
        D("57.48"),
    )
    assert credit.note == "Goodwill"
    assert credit.bookkeeping.entry_ids == ["e2"]
    assert credit.bookkeeping.block_hours_drawn == {}
    assert credit.bookkeeping.purchased_block_ids == []


def test_credit_note_needs_a_numbered_invoice_and_known_lines() -> None:
    invoice = issued_invoice()
    with pytest.raises(ValueError, match="number the invoice"):
        credit_note_for(msgspec.structs.replace(invoice, number=None))
    with pytest.raises(ValueError, match="no lines"):
        credit_note_for(invoice, line_ids=["99"])
    with pytest.raises(ValueError, match="only an invoice"):
        credit_note_for(credit_note_for(invoice))
