"""The billing API's request and response bodies.

Amounts, rates and hours are decimal *strings* both ways (``"95.00"``), never JSON
numbers, so no client or encoder rounds money through a float.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from hub.schemas.common import Id
from plugins.billing.model import Party
from plugins.billing.money import RoundingRule

Amount = Annotated[
    str, msgspec.Meta(pattern=r"^\d{1,12}(\.\d{1,4})?$", description="decimal string, e.g. 95.00")
]
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Grouping = Literal["task", "work_type", "entry"]


class TaxIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A VAT category (UNCL5305 code: S, Z, E, AE, K, G, O, L, M) and its rate in %."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=2)]
    rate: Amount = "0"
    exemption_reason: str | None = None
    exemption_reason_code: str | None = None


class WorkTypeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    hourly: Amount | None = None
    billable: bool = True
    label: str | None = None
    tax: TaxIn | None = None


class RateCardIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole rate card (PUT replaces it): default, per work type, per role."""

    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] = "EUR"
    default_hourly: Amount
    work_types: dict[Key, WorkTypeIn] = {}
    roles: dict[Key, Amount] = {}


class CustomerRatesIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    default_hourly: Amount | None = None
    work_types: dict[Key, Amount] = {}
    roles: dict[Key, Amount] = {}
    non_billable_work_types: list[Key] = []


class ProfileIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A customer's billing terms (PUT replaces them)."""

    rates: CustomerRatesIn = msgspec.field(default_factory=CustomerRatesIn)
    #: overrides the plugin's rounding rule for this customer
    rounding: RoundingRule | None = None
    #: overrides the tax category derived from the customer's ``tax_rate`` setting
    tax: TaxIn | None = None
    #: Peppol buyer party (needed by the UBL sink)
    buyer: Party | None = None
    buyer_reference: str | None = None


AgreementKind = Literal["retainer", "block_hours", "subscription"]
AgreementStatus = Literal["active", "suspended", "cancelled"]


class AgreementIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    customer_id: Id
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: AgreementKind
    starts_on: date
    ends_on: date | None = None
    #: covered work types; empty covers all
    work_types: list[Key] = []
    #: monthly fee (retainer, subscription), billed per calendar month in advance
    recurring_fee: Amount | None = None
    #: block of hours: hours bought and their price (billed once)
    hours_total: Amount | None = None
    price: Amount | None = None


class AgreementPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    status: AgreementStatus | UnsetType = UNSET
    ends_on: date | UnsetType | None = UNSET
    work_types: list[Key] | UnsetType = UNSET
    recurring_fee: Amount | UnsetType | None = UNSET
    #: a block may be topped up; it cannot drop below the hours already used
    hours_total: Amount | UnsetType | None = UNSET


class AgreementOut(msgspec.Struct, kw_only=True):
    id: int
    customer_id: int
    name: str
    kind: AgreementKind
    status: AgreementStatus
    starts_on: date
    ends_on: date | None
    work_types: list[str]
    recurring_fee: str | None
    fees_invoiced_through: date | None
    hours_total: str | None
    hours_used: str
    hours_remaining: str | None
    price: str | None
    purchase_invoice_id: int | None


class DraftRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    customer_id: Id
    period_start: date
    period_end: date
    issue_date: date | None = None
    grouping: Grouping | None = None
    show_covered_time: bool | None = None


class CreditRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    #: credit only these lines; omitted = the whole invoice
    line_ids: list[str] | None = None


class LineOut(msgspec.Struct, kw_only=True):
    line_id: str
    source_kind: str
    source_ids: list[str]
    description: str
    quantity: str
    unit: str
    unit_price: str
    net_amount: str
    tax_code: str
    tax_rate: str
    tax_amount: str
    work_type: str | None
    rate_code: str | None


class TaxSubtotalOut(msgspec.Struct, kw_only=True):
    tax_code: str
    tax_rate: str
    taxable_amount: str
    tax_amount: str


class ExportOut(msgspec.Struct, kw_only=True):
    sink: str
    status: str
    attempts: int
    reference: str
    last_error: str
    updated_at: datetime


class InvoiceOut(msgspec.Struct, kw_only=True):
    id: int
    document_type: str
    status: str
    number: str | None
    customer_id: int
    currency: str
    period_start: date | None
    period_end: date | None
    issue_date: date
    due_date: date | None
    billing_reference: str | None
    credited_invoice_id: int | None
    note: str | None
    lines: list[LineOut]
    tax_subtotals: list[TaxSubtotalOut]
    net_total: str
    tax_total: str
    gross_total: str
    warnings: list[str]
    created_by: str
    approved_by: str | None
    approved_at: datetime | None
    finalised_at: datetime | None
    exports: list[ExportOut]


class UnbilledRow(msgspec.Struct, kw_only=True):
    customer_id: int
    customer_name: str
    entries: int
    billable_hours: str
    non_billable_hours: str
    oldest_work: datetime | None


class ProfitRow(msgspec.Struct, kw_only=True):
    project_id: int
    project_name: str
    customer_id: int
    billing_mode: str
    hours: str
    cost: str
    invoiced: str
    margin: str
    margin_percent: str | None


class UtilisationRow(msgspec.Struct, kw_only=True):
    technician_id: int
    technician_name: str
    role: str
    hours: str
    billable_hours: str
    capacity_hours: str
    utilisation_percent: str
    billable_percent: str


class SinkOut(msgspec.Struct, kw_only=True):
    name: str
    enabled: bool
    builtin: bool
