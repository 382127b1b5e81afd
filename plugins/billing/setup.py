"""Rate card, customer billing profiles and agreements (retainers, blocks, subscriptions)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.tables import Customer
from hub.errors import BadRequest, Conflict, NotFound
from plugins.billing import rows
from plugins.billing.model import RateCard, WorkTypeRate
from plugins.billing.schemas import (
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    ProfileIn,
    RateCardIn,
    TaxIn,
    WorkTypeIn,
)
from plugins.billing.settings import BillingSettings
from plugins.billing.tables import Agreement, BillingProfile, RateCardDoc


def _tax_in(category: Any) -> TaxIn | None:
    if category is None:
        return None
    return TaxIn(
        code=category.code,
        rate=f"{category.rate:f}",
        exemption_reason=category.exemption_reason,
        exemption_reason_code=category.exemption_reason_code,
    )


def card_out(card: RateCard) -> RateCardIn:
    """The rate card in its API form (decimal strings)."""
    return RateCardIn(
        currency=card.currency,
        default_hourly=f"{card.default_hourly:f}",
        work_types={
            name: WorkTypeIn(
                hourly=None if wt.hourly is None else f"{wt.hourly:f}",
                billable=wt.billable,
                label=wt.label,
                tax=_tax_in(wt.tax_category),
            )
            for name, wt in card.work_types.items()
        },
        roles={name: f"{rate:f}" for name, rate in card.roles.items()},
    )


async def get_rate_card(settings: BillingSettings) -> RateCardIn:
    return card_out(await rows.rate_card(settings))


async def put_rate_card(data: RateCardIn) -> RateCardIn:
    """Replace the rate card (default, work types with billable flag and tax, roles)."""
    card = RateCard(
        currency=data.currency,
        default_hourly=Decimal(data.default_hourly),
        work_types={
            name: WorkTypeRate(
                hourly=None if wt.hourly is None else Decimal(wt.hourly),
                billable=wt.billable,
                label=wt.label,
                tax_category=None if wt.tax is None else rows.tax_from(wt.tax),
            )
            for name, wt in data.work_types.items()
        },
        roles={name: Decimal(rate) for name, rate in data.roles.items()},
    )
    text = rows.encode(card)
    async with write_transaction():
        updated = (
            await RateCardDoc.update(
                {RateCardDoc.card: text, RateCardDoc.updated_at: datetime.now(UTC)}
            )
            .where(RateCardDoc.name == "default")
            .returning(RateCardDoc.id)
        )
        if not updated:
            await RateCardDoc.insert(RateCardDoc(name="default", card=text))
    return card_out(card)


async def _customer_exists(customer_id: int) -> None:
    if not await Customer.exists().where(Customer.id == customer_id):
        raise NotFound("customer", customer_id)


async def get_profile(customer_id: int) -> ProfileIn:
    await _customer_exists(customer_id)
    return await rows.profile(customer_id)


async def put_profile(customer_id: int, data: ProfileIn) -> ProfileIn:
    """Replace a customer's billing terms (rate overrides, rounding, tax, buyer)."""
    await _customer_exists(customer_id)
    if data.tax is not None:
        rows.tax_from(data.tax)  # 400 on a category Peppol would reject
    text = rows.encode(data)
    async with write_transaction():
        updated = (
            await BillingProfile.update(
                {BillingProfile.profile: text, BillingProfile.updated_at: datetime.now(UTC)}
            )
            .where(BillingProfile.customer == customer_id)
            .returning(BillingProfile.id)
        )
        if not updated:
            await BillingProfile.insert(BillingProfile(customer=customer_id, profile=text))
    return data


def agreement_out(r: dict[str, Any]) -> AgreementOut:
    total = None if r["hours_total"] is None else Decimal(r["hours_total"])
    used = Decimal(r["hours_used"])
    return AgreementOut(
        id=r["id"],
        customer_id=r["customer"],
        name=r["name"],
        kind=r["kind"],
        status=r["status"],
        starts_on=r["starts_on"],
        ends_on=r["ends_on"],
        work_types=msgspec.json.decode(r["work_types"] or "[]"),
        recurring_fee=r["recurring_fee"],
        fees_invoiced_through=r["fees_invoiced_through"],
        hours_total=r["hours_total"],
        hours_used=f"{used.normalize():f}",
        hours_remaining=None if total is None else f"{max(total - used, Decimal(0)).normalize():f}",
        price=r["price"],
        purchase_invoice_id=r["purchase_invoice_id"],
    )


def _check_agreement(kind: str, values: dict[str, Any]) -> None:
    if kind == "block_hours" and not values.get("hours_total"):
        raise BadRequest("hours_total: a block of hours needs its hours", field="hours_total")
    if kind != "block_hours" and (values.get("hours_total") or values.get("price")):
        raise BadRequest("hours_total / price: only a block of hours has them", field="hours_total")
    if kind == "subscription" and not values.get("recurring_fee"):
        raise BadRequest("recurring_fee: a subscription needs its fee", field="recurring_fee")
    ends, starts = values.get("ends_on"), values.get("starts_on")
    if ends is not None and starts is not None and ends < starts:
        raise BadRequest("ends_on: must not be before starts_on", field="ends_on")


async def _agreement(agreement_id: int) -> dict[str, Any]:
    row = await Agreement.select().where(Agreement.id == agreement_id).first()
    if row is None:
        raise NotFound("agreement", agreement_id)
    return row


async def create_agreement(data: AgreementIn) -> AgreementOut:
    await _customer_exists(data.customer_id)
    values = {
        "customer": data.customer_id,
        "name": data.name.strip(),
        "kind": data.kind,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "work_types": rows.encode(data.work_types),
        "recurring_fee": data.recurring_fee,
        "hours_total": data.hours_total,
        "price": data.price,
    }
    _check_agreement(data.kind, values)
    inserted = await Agreement.insert(Agreement(**values)).returning(Agreement.id)
    return await get_agreement(inserted[0]["id"])


async def get_agreement(agreement_id: int) -> AgreementOut:
    return agreement_out(await _agreement(agreement_id))


async def list_agreements(customer_id: int | None) -> list[AgreementOut]:
    query = Agreement.select().order_by(Agreement.id)
    if customer_id is not None:
        query = query.where(Agreement.customer == customer_id)
    return [agreement_out(r) for r in await query]


async def update_agreement(agreement_id: int, patch: AgreementPatch) -> AgreementOut:
    """Change an agreement; a block cannot shrink below the hours already used."""
    async with write_transaction():
        row = await _agreement(agreement_id)
        values: dict[str, Any] = {}
        for name in ("name", "status", "ends_on", "recurring_fee", "hours_total"):
            value = getattr(patch, name)
            if value is not UNSET and value != row[name]:
                values[name] = value
        if patch.work_types is not UNSET:
            values["work_types"] = rows.encode(patch.work_types)
        merged = {**row, **values}
        _check_agreement(row["kind"], merged)
        if "hours_total" in values and Decimal(values["hours_total"]) < Decimal(row["hours_used"]):
            raise Conflict(
                f"hours_total: {row['hours_used']} hours are already used from this block"
            )
        if values:
            values["updated_at"] = datetime.now(UTC)
            await Agreement.update({getattr(Agreement, k): v for k, v in values.items()}).where(
                Agreement.id == agreement_id
            )
    return await get_agreement(agreement_id)


async def delete_agreement(agreement_id: int) -> None:
    """Delete an agreement nothing was invoiced against (cancel it otherwise)."""
    async with write_transaction():
        row = await _agreement(agreement_id)
        if (
            row["purchase_invoice_id"] is not None
            or row["fees_invoiced_through"] is not None
            or Decimal(row["hours_used"]) > 0
        ):
            raise Conflict(f"agreement {agreement_id} has been invoiced; set status cancelled")
        await Agreement.delete().where(Agreement.id == agreement_id)
