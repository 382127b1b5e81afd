"""Plain input and output types of the billing engine.

The core maps its database rows into these Structs, calls the pure functions in
``rating``, ``contracts`` and ``drafting``, and stores the ``InvoiceDraft`` it gets
back. Nothing here touches a database, the network or the clock.

Money and hour quantities are ``Decimal`` everywhere; msgspec encodes them as JSON
strings, so no amount ever passes through a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

import msgspec

ProjectBillingMode = Literal[
    "time_and_materials",  # time on the project is billed at rates
    "fixed_fee_milestones",  # each completed milestone bills its fee; time is absorbed
    "fixed_fee_completion",  # the contract value bills once the project completes
    "none",  # the project carries no billing terms: its time falls to agreements / T&M
]
ProjectStatus = Literal["planned", "active", "completed", "cancelled"]
AgreementKind = Literal[
    "retainer",  # recurring fee; covered work types are absorbed without limit
    "block_hours",  # prepaid hours drawn down by covered work
    "subscription",  # recurring fee only; covers no time
]
AgreementStatus = Literal["active", "suspended", "cancelled"]
SourceKind = Literal[
    "time",  # billable time (T&M, or a T&M project)
    "milestone",  # fixed fee of a completed milestone
    "project_completion",  # fixed fee of a completed project
    "recurring_fee",  # one month of a retainer / subscription fee
    "block_purchase",  # purchase of a block of hours
    "covered_time",  # zero-priced line showing time absorbed by a contract
]
DocumentType = Literal["invoice", "credit_note"]


class TaxCategory(msgspec.Struct, frozen=True, kw_only=True):
    """A VAT category as Peppol BIS 3.0 / EN 16931 names it (UNCL5305 codes).

    ``code``: S standard, Z zero rated, E exempt, AE reverse charge, K intra-EU supply,
    G export outside the EU, O outside the scope of VAT, L / M Canary Islands / Ceuta.
    ``rate`` is a percentage (``Decimal("21")``). Exempt-like categories need an
    ``exemption_reason`` (text) or ``exemption_reason_code`` (VATEX code) on the invoice.
    """

    code: str
    rate: Decimal
    exemption_reason: str | None = None
    exemption_reason_code: str | None = None


class BillingPeriod(msgspec.Struct, frozen=True):
    """Inclusive date range an invoice covers (customer-local dates)."""

    start: date
    end: date


class CustomerRow(msgspec.Struct, frozen=True, kw_only=True):
    """The billed customer: currency, default tax category and payment terms."""

    id: str
    name: str
    currency: str = "EUR"
    tax_category: TaxCategory
    payment_terms_days: int = 30
    buyer_reference: str | None = None  # Peppol BT-10; the customer's PO / cost centre


class TimeEntryRow(msgspec.Struct, frozen=True, kw_only=True):
    """One time entry a technician logged on a task.

    ``work_date`` is the customer-local date of the work (the core derives it from
    ``started_at`` and the customer's zone); contracts and periods compare dates.
    ``billable`` is the technician's flag: ``False`` keeps the entry off the invoice.
    ``invoice_id`` is set once an issued invoice billed or absorbed the entry.
    """

    id: str
    customer_id: str
    task_id: str
    task_title: str = ""
    project_id: str | None = None
    technician_id: str = ""
    technician_role: str | None = None
    work_type: str
    started_at: datetime
    work_date: date
    minutes: int
    billable: bool = True
    description: str = ""
    invoice_id: str | None = None


class ProjectRow(msgspec.Struct, frozen=True, kw_only=True):
    """A project and its billing terms."""

    id: str
    customer_id: str
    name: str
    billing_mode: ProjectBillingMode
    status: ProjectStatus = "active"
    contract_value: Decimal | None = None  # fixed-fee projects
    starts_on: date | None = None
    completed_on: date | None = None
    fee_invoiced: bool = False  # fixed_fee_completion: completion fee already billed


class MilestoneRow(msgspec.Struct, frozen=True, kw_only=True):
    """A project milestone; ``fee`` is its share of a fixed-fee project's value."""

    id: str
    project_id: str
    name: str
    fee: Decimal | None = None
    completed_on: date | None = None
    invoiced: bool = False


class AgreementRow(msgspec.Struct, frozen=True, kw_only=True):
    """A service agreement: retainer, block of hours or subscription.

    ``work_types`` lists the covered work types; empty means all. A block's remaining
    balance is ``hours_total - hours_used`` where ``hours_used`` counts hours drawn by
    earlier invoices. ``recurring_fee`` bills once per calendar month of the term;
    ``fees_invoiced_through`` is the last day already billed.
    """

    id: str
    customer_id: str
    name: str
    kind: AgreementKind
    status: AgreementStatus = "active"
    starts_on: date
    ends_on: date | None = None
    work_types: tuple[str, ...] = ()
    recurring_fee: Decimal | None = None
    fees_invoiced_through: date | None = None
    hours_total: Decimal | None = None
    hours_used: Decimal = Decimal("0")
    price: Decimal | None = None  # block purchase price, billed once
    purchase_invoiced: bool = False


class WorkTypeRate(msgspec.Struct, frozen=True, kw_only=True):
    """Rate-card entry of a work type. ``hourly`` None: fall back to role / default."""

    hourly: Decimal | None = None
    billable: bool = True
    label: str | None = None  # invoice wording, e.g. "Remote support"
    tax_category: TaxCategory | None = None  # e.g. VAT-exempt training


class RateCard(msgspec.Struct, frozen=True, kw_only=True):
    """The provider's standard rates: per work type, per technician role, default."""

    currency: str = "EUR"
    default_hourly: Decimal
    work_types: dict[str, WorkTypeRate] = {}
    roles: dict[str, Decimal] = {}


class CustomerRateOverrides(msgspec.Struct, frozen=True, kw_only=True):
    """Rates negotiated with one customer; they beat the rate card."""

    customer_id: str
    default_hourly: Decimal | None = None
    work_types: dict[str, Decimal] = {}
    roles: dict[str, Decimal] = {}
    non_billable_work_types: tuple[str, ...] = ()


class Rate(msgspec.Struct, frozen=True):
    """A resolved hourly rate; ``code`` names the rule that produced it."""

    code: str
    hourly: Decimal
    billable: bool
    reason: str


class Party(msgspec.Struct, frozen=True, kw_only=True):
    """Seller or buyer as Peppol needs them.

    ``endpoint_scheme`` is the EAS code of ``endpoint_id`` (e.g. "0088" GLN, "0208"
    Belgian enterprise number, "9944" Dutch VAT). ``iban`` on the seller adds a SEPA
    credit-transfer payment means.
    """

    name: str
    endpoint_id: str
    endpoint_scheme: str
    country_code: str
    vat_id: str | None = None
    legal_id: str | None = None
    street: str | None = None
    city: str | None = None
    postal_zone: str | None = None
    contact_email: str | None = None
    iban: str | None = None


class InvoiceLine(msgspec.Struct, frozen=True, kw_only=True):
    """One invoice line. ``net_amount`` = round(quantity x unit_price).

    ``tax_amount`` is this line's own share, for display; the invoice's tax is computed
    per tax category on the summed net amounts, as EN 16931 requires.
    """

    line_id: str
    source_kind: SourceKind
    source_ids: tuple[str, ...]
    description: str
    quantity: Decimal
    unit: str  # UN/ECE Rec 20: HUR hours, C62 units, MON months
    unit_price: Decimal
    net_amount: Decimal
    tax_category: TaxCategory
    tax_amount: Decimal
    work_type: str | None = None
    rate_code: str | None = None


class TaxSubtotal(msgspec.Struct, frozen=True, kw_only=True):
    """Taxable and tax amount of one tax category (code + rate)."""

    category: TaxCategory
    taxable_amount: Decimal
    tax_amount: Decimal


class DraftBookkeeping(msgspec.Struct, kw_only=True):
    """What the core must record once the invoice is issued.

    ``entry_ids``: every time entry the draft settled - billed, absorbed by a contract,
    or non-billable - mark them all with the invoice id so no later draft sees them.
    ``block_hours_drawn``: hours to add to each block's ``hours_used``.
    ``fees_invoiced_through``: new value per agreement. ``milestone_ids``,
    ``completed_project_ids``, ``purchased_block_ids``: mark them invoiced.
    """

    entry_ids: list[str] = []
    absorbed_entry_ids: dict[str, list[str]] = {}  # contract id -> entries it absorbed
    block_hours_drawn: dict[str, Decimal] = {}
    fees_invoiced_through: dict[str, date] = {}
    milestone_ids: list[str] = []
    completed_project_ids: list[str] = []
    purchased_block_ids: list[str] = []


class InvoiceDraft(msgspec.Struct, kw_only=True):
    """An invoice or credit note, ready to number, store and export."""

    document_type: DocumentType = "invoice"
    number: str | None = None
    customer_id: str
    currency: str
    issue_date: date
    due_date: date | None
    period: BillingPeriod | None = None
    buyer_reference: str | None = None
    billing_reference: str | None = None  # credit note: number of the credited invoice
    billing_reference_date: date | None = None
    note: str | None = None
    lines: list[InvoiceLine] = []
    tax_subtotals: list[TaxSubtotal] = []
    line_total: Decimal = Decimal("0")
    tax_exclusive: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    tax_inclusive: Decimal = Decimal("0")
    payable: Decimal = Decimal("0")
    warnings: list[str] = []
    bookkeeping: DraftBookkeeping = msgspec.field(default_factory=DraftBookkeeping)
