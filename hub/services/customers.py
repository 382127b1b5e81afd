"""Customers (with their email domains) and their contacts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec
from msgspec import UNSET

from hub.db.engine import write_transaction
from hub.db.integrity import unique_as_conflict
from hub.db.tables import Contact, Customer, CustomerDomain, SlaCalendar, SlaTier, Task
from hub.errors import BadRequest, Conflict, NotFound
from hub.schemas.common import check_timezone, normalise_domain, normalise_email
from hub.schemas.directory import (
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    CustomerSettings,
)
from hub.services import sla as sla_service


def _domains(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        domain = normalise_domain(value)
        if domain not in out:
            out.append(domain)
    return out


async def _check_refs(tier_id: int | None, calendar_id: int | None) -> None:
    if tier_id is not None and not await SlaTier.exists().where(SlaTier.id == tier_id):
        raise BadRequest(f"sla_tier_id: SLA tier {tier_id} does not exist", field="sla_tier_id")
    if calendar_id is not None and not await SlaCalendar.exists().where(
        SlaCalendar.id == calendar_id
    ):
        raise BadRequest(f"calendar_id: calendar {calendar_id} does not exist", field="calendar_id")


async def _customer_out(row: dict[str, Any]) -> CustomerOut:
    domains = (
        await CustomerDomain.select(CustomerDomain.domain)
        .where(CustomerDomain.customer == row["id"])
        .order_by(CustomerDomain.id)
    )
    return CustomerOut(
        id=row["id"],
        name=row["name"],
        email_domains=[d["domain"] for d in domains],
        sla_tier_id=row["sla_tier"],
        sla_tier=row.get("sla_tier.name"),
        timezone=row["timezone"],
        calendar_id=row["calendar"],
        notes=row["notes"],
        settings=msgspec.json.decode(row["settings"] or "{}", type=CustomerSettings),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _customer_query():  # type: ignore[no-untyped-def]
    return Customer.select(*Customer.all_columns(), Customer.sla_tier.name)


async def create_customer(data: CustomerIn) -> CustomerOut:
    check_timezone(data.timezone)
    await _check_refs(data.sla_tier_id, data.calendar_id)
    domains = _domains(data.email_domains)
    async with unique_as_conflict("customer name or email domain"), write_transaction():
        row = Customer(
            name=data.name.strip(),
            sla_tier=data.sla_tier_id,
            timezone=data.timezone,
            calendar=data.calendar_id,
            notes=data.notes,
            settings=msgspec.json.encode(data.settings).decode(),
        )
        await row.save()
        if domains:
            await CustomerDomain.insert(
                *[CustomerDomain(customer=row.id, domain=d) for d in domains]
            )
    return await get_customer(row.id)


async def get_customer(customer_id: int) -> CustomerOut:
    row = await _customer_query().where(Customer.id == customer_id).first()
    if row is None:
        raise NotFound("customer", customer_id)
    return await _customer_out(row)


async def list_customers(q: str | None = None) -> list[CustomerOut]:
    query = _customer_query().order_by(Customer.name)
    if q:
        query = query.where(Customer.name.ilike(f"%{q}%"))
    return [await _customer_out(r) for r in await query]


async def update_customer(customer_id: int, patch: CustomerPatch) -> CustomerOut:
    await get_customer(customer_id)
    values: dict[Any, Any] = {Customer.updated_at: datetime.now(UTC)}
    if patch.name is not UNSET:
        values[Customer.name] = patch.name.strip()
    if patch.timezone is not UNSET:
        values[Customer.timezone] = check_timezone(patch.timezone)
    if patch.notes is not UNSET:
        values[Customer.notes] = patch.notes
    if patch.settings is not UNSET:
        values[Customer.settings] = msgspec.json.encode(patch.settings).decode()
    tier = None if patch.sla_tier_id is UNSET else patch.sla_tier_id
    cal = None if patch.calendar_id is UNSET else patch.calendar_id
    await _check_refs(tier, cal)
    if patch.sla_tier_id is not UNSET:
        values[Customer.sla_tier] = patch.sla_tier_id
    if patch.calendar_id is not UNSET:
        values[Customer.calendar] = patch.calendar_id
    async with unique_as_conflict("customer name or email domain"), write_transaction():
        await Customer.update(values).where(Customer.id == customer_id)
        if patch.email_domains is not UNSET:
            await CustomerDomain.delete().where(CustomerDomain.customer == customer_id)
            domains = _domains(patch.email_domains)
            if domains:
                await CustomerDomain.insert(
                    *[CustomerDomain(customer=customer_id, domain=d) for d in domains]
                )
    sla_service.forget_customer_contexts()  # after the commit: no stale re-caching
    return await get_customer(customer_id)


async def delete_customer(customer_id: int) -> None:
    await get_customer(customer_id)
    if await Task.exists().where(Task.customer == customer_id):
        raise Conflict("customer has tasks; it cannot be deleted")
    async with write_transaction():
        await Contact.delete().where(Contact.customer == customer_id)
        await CustomerDomain.delete().where(CustomerDomain.customer == customer_id)
        await Customer.delete().where(Customer.id == customer_id)
    sla_service.forget_customer_contexts()


# --- contacts ----------------------------------------------------------------------


def _contact_out(row: dict[str, Any]) -> ContactOut:
    return ContactOut(
        id=row["id"],
        customer_id=row["customer"],
        email=row["email"],
        name=row["name"],
        phone=row["phone"],
        vip=row["vip"],
        portal_access=row["portal_access"],
        portal_admin=row["portal_admin"],
    )


async def _require_customer(customer_id: int) -> None:
    if not await Customer.exists().where(Customer.id == customer_id):
        raise BadRequest(f"customer_id: customer {customer_id} does not exist", field="customer_id")


async def create_contact(data: ContactIn) -> ContactOut:
    await _require_customer(data.customer_id)
    email = normalise_email(data.email)
    async with unique_as_conflict(f"contact {email}"):
        row = Contact(
            customer=data.customer_id,
            email=email,
            name=data.name.strip(),
            phone=data.phone.strip(),
            vip=data.vip,
            portal_access=data.portal_access,
            portal_admin=data.portal_admin,
        )
        await row.save()
    return await get_contact(row.id)


async def get_contact(contact_id: int) -> ContactOut:
    row = await Contact.select().where(Contact.id == contact_id).first()
    if row is None:
        raise NotFound("contact", contact_id)
    return _contact_out(row)


async def list_contacts(customer_id: int | None = None) -> list[ContactOut]:
    query = Contact.select().order_by(Contact.id)
    if customer_id is not None:
        query = query.where(Contact.customer == customer_id)
    return [_contact_out(r) for r in await query]


async def update_contact(contact_id: int, patch: ContactPatch) -> ContactOut:
    await get_contact(contact_id)
    values: dict[Any, Any] = {}
    if patch.customer_id is not UNSET:
        await _require_customer(patch.customer_id)
        values[Contact.customer] = patch.customer_id
    if patch.email is not UNSET:
        values[Contact.email] = normalise_email(patch.email)
    for field in ("name", "phone", "vip", "portal_access", "portal_admin"):
        value = getattr(patch, field)
        if value is not UNSET:
            values[getattr(Contact, field)] = value.strip() if isinstance(value, str) else value
    if values:
        async with unique_as_conflict("contact email"):
            await Contact.update(values).where(Contact.id == contact_id)
    return await get_contact(contact_id)


async def delete_contact(contact_id: int) -> None:
    await get_contact(contact_id)
    await Contact.delete().where(Contact.id == contact_id)


class CustomerMatch(msgspec.Struct, kw_only=True):
    """How an email address maps to a customer (deterministic, never a guess)."""

    customer_id: int | None
    contact_id: int | None
    method: str  # contact | domain | unmatched
    vip: bool = False


async def match_sender(address: str) -> CustomerMatch:
    """Known contact address first, then the customer's email domains, else unmatched."""
    return (await match_senders([address]))[normalise_email(address)]


#: addresses per ``IN (...)`` query: well under SQLite's bound-parameter limit
_MATCH_CHUNK = 500


async def match_senders(addresses: Iterable[str]) -> dict[str, CustomerMatch]:
    """:func:`match_sender` for many addresses in two queries per chunk, not two each.

    Keyed by the normalised address.
    """
    emails = sorted({normalise_email(a) for a in addresses})
    found: dict[str, CustomerMatch] = {}
    for i in range(0, len(emails), _MATCH_CHUNK):
        found.update(await _match_chunk(emails[i : i + _MATCH_CHUNK]))
    return found


def _marks(values: list[str]) -> str:
    return ", ".join("{}" for _ in values)


async def _match_chunk(emails: list[str]) -> dict[str, CustomerMatch]:
    if not emails:
        return {}
    # raw SQL with one placeholder per value: piccolo's is_in builds a query object per
    # value, which for a batch of mail cost more than the two look-ups themselves
    contacts = await Contact.raw(
        f"SELECT id, email, customer, vip FROM contact WHERE email IN ({_marks(emails)})", *emails
    )
    found = {
        c["email"]: CustomerMatch(
            customer_id=c["customer"], contact_id=c["id"], method="contact", vip=c["vip"]
        )
        for c in contacts
    }
    domains = {e: e.rpartition("@")[2] for e in emails if e not in found}
    owners: dict[str, int] = {}
    if domains:
        wanted = sorted(set(domains.values()))
        rows = await CustomerDomain.raw(
            f"SELECT domain, customer FROM customer_domain WHERE domain IN ({_marks(wanted)})",
            *wanted,
        )
        owners = {r["domain"]: r["customer"] for r in rows}
    for email, domain in domains.items():
        if domain in owners:
            found[email] = CustomerMatch(
                customer_id=owners[domain], contact_id=None, method="domain"
            )
        else:
            found[email] = CustomerMatch(customer_id=None, contact_id=None, method="unmatched")
    return found
