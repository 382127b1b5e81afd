"""Database rows -> the billing engine's input Structs (``model``).

Ids crossing into the engine are strings; contracts get a prefix so a project and an
agreement with the same number never collide: ``P<id>`` project, ``M<id>``
milestone, ``A<id>`` agreement. Time entries and tasks keep their plain number.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from hub.db.tables import Customer, TimeEntry
from hub.errors import BadRequest, NotFound
from hub.projects.tables import Milestone, Project
from plugins.billing.model import (
    AgreementRow,
    CustomerRateOverrides,
    CustomerRow,
    MilestoneRow,
    ProjectRow,
    RateCard,
    TaxCategory,
    TimeEntryRow,
)
from plugins.billing.money import standard_rate, tax_category_problems, zero_rated
from plugins.billing.schemas import ProfileIn, TaxIn
from plugins.billing.settings import BillingSettings
from plugins.billing.tables import Agreement, BillingProfile, RateCardDoc

_encoder = msgspec.json.Encoder(decimal_format="string")
_STATUS = {
    "planned": "planned",
    "active": "active",
    "on_hold": "active",  # time logged while on hold still belongs to the project
    "completed": "completed",
    "cancelled": "cancelled",
}
# "retainer" projects leave their time to the customer's agreements (contract rule 2)
_MODE = {"retainer": "none"}


def encode(value: Any) -> str:
    """JSON text with decimals as strings (the storage format of documents)."""
    return _encoder.encode(value).decode()


def tax_from(data: TaxIn) -> TaxCategory:
    """A validated tax category from its API form (400 naming the broken rule)."""
    category = TaxCategory(
        code=data.code,
        rate=Decimal(data.rate),
        exemption_reason=data.exemption_reason,
        exemption_reason_code=data.exemption_reason_code,
    )
    if problems := tax_category_problems(category):
        raise BadRequest(f"tax: {'; '.join(problems)}", field="tax")
    return category


async def rate_card(settings: BillingSettings) -> RateCard:
    """The stored rate card, or one built from the settings before any was stored."""
    row = await RateCardDoc.select(RateCardDoc.card).where(RateCardDoc.name == "default").first()
    if row is None:
        return RateCard(currency=settings.currency, default_hourly=settings.default_hourly)
    return msgspec.json.decode(row["card"], type=RateCard)


async def profile(customer_id: int) -> ProfileIn:
    """The customer's billing profile (defaults when none was stored)."""
    row = (
        await BillingProfile.select(BillingProfile.profile)
        .where(BillingProfile.customer == customer_id)
        .first()
    )
    return msgspec.json.decode(row["profile"], type=ProfileIn) if row else ProfileIn()


def overrides(customer_id: int, data: ProfileIn) -> CustomerRateOverrides | None:
    rates = data.rates
    if not (
        rates.default_hourly or rates.work_types or rates.roles or rates.non_billable_work_types
    ):
        return None
    return CustomerRateOverrides(
        customer_id=str(customer_id),
        default_hourly=None if rates.default_hourly is None else Decimal(rates.default_hourly),
        work_types={k: Decimal(v) for k, v in rates.work_types.items()},
        roles={k: Decimal(v) for k, v in rates.roles.items()},
        non_billable_work_types=tuple(rates.non_billable_work_types),
    )


async def customer(customer_id: int, data: ProfileIn) -> tuple[CustomerRow, ZoneInfo]:
    """The billed customer (currency, tax, terms from its settings) and its zone."""
    row = (
        await Customer.select(Customer.name, Customer.timezone, Customer.settings)
        .where(Customer.id == customer_id)
        .first()
    )
    if row is None:
        raise NotFound("customer", customer_id)
    settings = msgspec.json.decode(row["settings"] or "{}")
    if data.tax is not None:
        tax = tax_from(data.tax)
    else:
        rate = Decimal(str(settings.get("tax_rate", "0")))
        tax = standard_rate(rate) if rate > 0 else zero_rated()
    zone = ZoneInfo(row["timezone"]) if row["timezone"] not in ("", "UTC") else ZoneInfo("UTC")
    return (
        CustomerRow(
            id=str(customer_id),
            name=row["name"],
            currency=str(settings.get("currency", "EUR")),
            tax_category=tax,
            payment_terms_days=int(settings.get("payment_terms_days", 30)),
            buyer_reference=data.buyer_reference,
        ),
        zone,
    )


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a customer-local day starts."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


async def projects(customer_id: int) -> tuple[list[ProjectRow], list[MilestoneRow], dict[int, int]]:
    """The customer's projects, their milestones and a milestone id -> project id map."""
    rows = await Project.select().where(Project.customer == customer_id)
    out = [
        ProjectRow(
            id=f"P{r['id']}",
            customer_id=str(customer_id),
            name=r["name"],
            billing_mode=_MODE.get(r["billing_mode"], r["billing_mode"]),  # type: ignore[arg-type]
            status=_STATUS[r["status"]],  # type: ignore[arg-type]
            contract_value=None if r["contract_value"] is None else Decimal(r["contract_value"]),
            starts_on=r["starts_on"],
            completed_on=r["completed_on"],
            fee_invoiced=r["fee_invoice_id"] is not None,
        )
        for r in rows
    ]
    milestones: list[MilestoneRow] = []
    owner: dict[int, int] = {}
    if rows:
        for m in await Milestone.select().where(Milestone.project.is_in([r["id"] for r in rows])):
            owner[m["id"]] = m["project"]
            milestones.append(
                MilestoneRow(
                    id=f"M{m['id']}",
                    project_id=f"P{m['project']}",
                    name=m["name"],
                    fee=None if m["fee"] is None else Decimal(m["fee"]),
                    completed_on=m["completed_on"],
                    invoiced=m["invoice_id"] is not None,
                )
            )
    return out, milestones, owner


def agreement_row(r: dict[str, Any]) -> AgreementRow:
    return AgreementRow(
        id=f"A{r['id']}",
        customer_id=str(r["customer"]),
        name=r["name"],
        kind=r["kind"],
        status=r["status"],
        starts_on=r["starts_on"],
        ends_on=r["ends_on"],
        work_types=tuple(msgspec.json.decode(r["work_types"] or "[]")),
        recurring_fee=None if r["recurring_fee"] is None else Decimal(r["recurring_fee"]),
        fees_invoiced_through=r["fees_invoiced_through"],
        hours_total=None if r["hours_total"] is None else Decimal(r["hours_total"]),
        hours_used=Decimal(r["hours_used"]),
        price=None if r["price"] is None else Decimal(r["price"]),
        purchase_invoiced=r["purchase_invoice_id"] is not None,
    )


async def agreements(customer_id: int) -> list[AgreementRow]:
    rows = await Agreement.select().where(Agreement.customer == customer_id)
    return [agreement_row(r) for r in rows]


_ENTRY_COLUMNS = (
    TimeEntry.id,
    TimeEntry.task,
    TimeEntry.task.title.as_alias("task_title"),
    TimeEntry.task.milestone_id.as_alias("milestone_id"),
    TimeEntry.technician,
    TimeEntry.technician.role.as_alias("role"),
    TimeEntry.started_at,
    TimeEntry.minutes,
    TimeEntry.billable,
    TimeEntry.work_type,
    TimeEntry.note,
)


async def time_entries(
    customer_id: int, period_end: date, zone: ZoneInfo, milestone_project: dict[int, int]
) -> list[TimeEntryRow]:
    """Uninvoiced entries of the customer's tasks that started before the period ended."""
    cutoff = local_midnight(period_end + timedelta(days=1), zone)
    rows = await TimeEntry.select(*_ENTRY_COLUMNS).where(
        (TimeEntry.task.customer == customer_id)
        & TimeEntry.invoice_id.is_null()
        & (TimeEntry.started_at < cutoff)
    )
    cid = str(customer_id)
    out: list[TimeEntryRow] = []
    append = out.append
    for r in rows:
        started = r["started_at"]
        project = milestone_project.get(r["milestone_id"]) if r["milestone_id"] else None
        append(
            TimeEntryRow(
                id=str(r["id"]),
                customer_id=cid,
                task_id=str(r["task"]),
                task_title=r["task_title"] or "",
                project_id=None if project is None else f"P{project}",
                technician_id=str(r["technician"]),
                technician_role=r["role"],
                work_type=r["work_type"],
                started_at=started,
                work_date=started.astimezone(zone).date(),
                minutes=r["minutes"],
                billable=r["billable"],
                description=r["note"] or "",
            )
        )
    return out
