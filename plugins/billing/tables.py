"""The billing plugin's tables (piccolo app ``billing``).

Money is stored as decimal strings; whole documents (rate card, overrides, the
invoice as drafted) as JSON text written by msgspec with decimals as strings, so
nothing passes through a float.
"""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hub.db.tables import Customer


class RateCardDoc(Table, tablename="billing_rate_card"):
    """The provider's rate card (one row, ``name`` "default"): a ``model.RateCard``."""

    name = Varchar(length=32, unique=True)
    card = Text()
    updated_at = Timestamptz(default=TimestamptzNow())


class BillingProfile(Table, tablename="billing_profile"):
    """Per-customer billing terms: rate overrides, rounding, tax category, Peppol buyer."""

    customer = ForeignKey(references=Customer, unique=True)
    profile = Text(default="{}")
    updated_at = Timestamptz(default=TimestamptzNow())


class Agreement(Table, tablename="billing_agreement"):
    """A retainer, block of hours or subscription of one customer."""

    customer = ForeignKey(references=Customer, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=16)  # retainer | block_hours | subscription
    status = Varchar(length=16, default="active")  # active | suspended | cancelled
    starts_on = Date()
    ends_on = Date(null=True, default=None)
    work_types = Text(default="[]")
    recurring_fee = Varchar(length=32, null=True, default=None)
    fees_invoiced_through = Date(null=True, default=None)
    hours_total = Varchar(length=32, null=True, default=None)
    hours_used = Varchar(length=32, default="0")
    price = Varchar(length=32, null=True, default=None)
    purchase_invoice_id = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Invoice(Table, tablename="billing_invoice"):
    """An invoice or credit note: draft, approved, then final (numbered, immutable)."""

    customer = ForeignKey(references=Customer, index=True)
    document_type = Varchar(length=16, default="invoice")  # invoice | credit_note
    # draft | approved | final | credited (fully) | partially_credited | superseded |
    # discarded (drafts replaced or thrown away; kept so ids are never reused)
    status = Varchar(length=20, default="draft", index=True)
    number = Varchar(length=40, null=True, default=None, unique=True)
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    issue_date = Date()
    currency = Varchar(length=3)
    net_total = Varchar(length=32)
    tax_total = Varchar(length=32)
    gross_total = Varchar(length=32)
    # the InvoiceDraft (lines, totals, bookkeeping) as JSON
    document = Text()
    # what the draft was built with (grouping, covered time, issue date) to rebuild it
    options = Text(default="{}")
    # values the finalisation replaced (fees_invoiced_through per agreement), for credits
    prior = Text(default="{}")
    credited_invoice = Integer(null=True, default=None, index=True)
    created_by = Varchar(length=200, default="")
    approved_by = Varchar(length=200, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    finalised_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class InvoiceProjectShare(Table, tablename="billing_invoice_project"):
    """Net amount of a final invoice attributable to one project (profitability)."""

    invoice = ForeignKey(references=Invoice, index=True)
    project_id = Integer(index=True)
    amount = Varchar(length=32)


class Counter(Table, tablename="billing_counter"):
    """Gap-free number series; incremented inside the finalising transaction."""

    name = Varchar(length=40, unique=True)
    value = Integer(default=0)


class Export(Table, tablename="billing_export"):
    """One invoice sent to one sink: made once, at finalisation (idempotent key)."""

    invoice = ForeignKey(references=Invoice, index=True)
    sink = Varchar(length=64)
    export_key = Varchar(length=120, unique=True)  # "<invoice id>:<sink>"
    status = Varchar(length=16, default="pending", index=True)  # pending | sent | failed
    attempts = Integer(default=0)
    reference = Text(default="")
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


BILLING_TABLES: list[type[Table]] = [
    RateCardDoc,
    BillingProfile,
    Agreement,
    Invoice,
    InvoiceProjectShare,
    Counter,
    Export,
]
