"""Reports: unbilled time per customer, profitability per project, utilisation.

* **Unbilled**: uninvoiced time per customer (billable by the entry's flag), oldest
  first-logged work, up to an optional date.
* **Profitability**: per project, hours logged on its milestones' tasks, their cost
  (hours x each technician's ``cost_rate``), the net invoiced for it (final invoices
  minus credit notes, see ``shares``), margin and margin %.
* **Utilisation**: per active technician over ``[from, to]``: hours logged, billable
  hours (entry flag, and not a non-billable work type of the rate card), capacity
  (weekdays x ``capacity_hours_per_day``) and the two ratios.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from piccolo.query.functions.aggregate import Count, Min, Sum

from hub.db.tables import Customer, Technician, TimeEntry
from hub.errors import BadRequest
from hub.projects.tables import Milestone, Project
from plugins.billing import rows
from plugins.billing.schemas import ProfitRow, UnbilledRow, UtilisationRow
from plugins.billing.settings import BillingSettings
from plugins.billing.tables import InvoiceProjectShare

CENT = Decimal("0.01")
ZERO = Decimal(0)


def _hours(minutes: int | Decimal) -> str:
    return f"{(Decimal(minutes) / 60).quantize(CENT, ROUND_HALF_UP):f}"


def _percent(part: Decimal, whole: Decimal) -> str:
    if not whole:
        return "0.00"
    return f"{(part * 100 / whole).quantize(CENT, ROUND_HALF_UP):f}"


def _midnight(day: date) -> datetime:
    # reports work in UTC days; per-customer zones matter for invoices, not for totals
    return datetime.combine(day, time(0), tzinfo=UTC)


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


async def unbilled(up_to: date | None = None) -> list[UnbilledRow]:
    """Uninvoiced time per customer, most unbilled hours first."""
    query = TimeEntry.select(
        TimeEntry.task.customer.as_alias("customer"),
        TimeEntry.billable,
        Sum(TimeEntry.minutes).as_alias("minutes"),
        Count().as_alias("entries"),
        Min(TimeEntry.started_at).as_alias("oldest"),
    ).where(TimeEntry.invoice_id.is_null())
    if up_to is not None:
        query = query.where(TimeEntry.started_at < _midnight(up_to + timedelta(days=1)))
    groups = await query.group_by(TimeEntry.task.customer, TimeEntry.billable)
    names = {r["id"]: r["name"] for r in await Customer.select(Customer.id, Customer.name)}
    totals: dict[int, dict[str, Any]] = {}
    for g in groups:
        t = totals.setdefault(g["customer"], {"entries": 0, "b": 0, "nb": 0, "oldest": None})
        t["entries"] += g["entries"]
        t["b" if g["billable"] else "nb"] += int(g["minutes"] or 0)
        oldest = _as_datetime(g["oldest"])
        if oldest is not None and (t["oldest"] is None or oldest < t["oldest"]):
            t["oldest"] = oldest
    out = [
        UnbilledRow(
            customer_id=cid,
            customer_name=names.get(cid, ""),
            entries=t["entries"],
            billable_hours=_hours(t["b"]),
            non_billable_hours=_hours(t["nb"]),
            oldest_work=t["oldest"],
        )
        for cid, t in totals.items()
    ]
    return sorted(out, key=lambda r: (-Decimal(r.billable_hours), r.customer_id))


async def profitability(customer_id: int | None = None) -> list[ProfitRow]:
    """Cost of logged time vs net invoiced, per project."""
    query = Project.select(Project.id, Project.name, Project.customer, Project.billing_mode)
    if customer_id is not None:
        query = query.where(Project.customer == customer_id)
    projects = await query.order_by(Project.id)
    if not projects:
        return []
    ids = [p["id"] for p in projects]
    owner = {
        m["id"]: m["project"]
        for m in await Milestone.select(Milestone.id, Milestone.project).where(
            Milestone.project.is_in(ids)
        )
    }
    minutes: dict[int, int] = {}
    cost: dict[int, Decimal] = {}
    if owner:
        groups = (
            await TimeEntry.select(
                TimeEntry.task.milestone_id.as_alias("milestone"),
                TimeEntry.technician.cost_rate.as_alias("cost_rate"),
                Sum(TimeEntry.minutes).as_alias("minutes"),
            )
            .where(TimeEntry.task.milestone_id.is_in(list(owner)))
            .group_by(TimeEntry.task.milestone_id, TimeEntry.technician.cost_rate)
        )
        for g in groups:
            project = owner[g["milestone"]]
            logged = int(g["minutes"] or 0)
            minutes[project] = minutes.get(project, 0) + logged
            rate = Decimal(g["cost_rate"] or "0")
            cost[project] = cost.get(project, ZERO) + rate * logged / 60
    invoiced: dict[int, Decimal] = {}
    for s in await InvoiceProjectShare.select().where(InvoiceProjectShare.project_id.is_in(ids)):
        invoiced[s["project_id"]] = invoiced.get(s["project_id"], ZERO) + Decimal(s["amount"])
    out: list[ProfitRow] = []
    for p in projects:
        spent = cost.get(p["id"], ZERO).quantize(CENT, ROUND_HALF_UP)
        billed = invoiced.get(p["id"], ZERO)
        margin = billed - spent
        out.append(
            ProfitRow(
                project_id=p["id"],
                project_name=p["name"],
                customer_id=p["customer"],
                billing_mode=p["billing_mode"],
                hours=_hours(minutes.get(p["id"], 0)),
                cost=f"{spent:f}",
                invoiced=f"{billed:f}",
                margin=f"{margin:f}",
                margin_percent=_percent(margin, billed) if billed else None,
            )
        )
    return out


def weekdays(start: date, end: date) -> int:
    """Monday-to-Friday days in ``[start, end]``."""
    days = 0
    day = start
    while day <= end:
        days += day.weekday() < 5
        day += timedelta(days=1)
    return days


async def utilisation(settings: BillingSettings, start: date, end: date) -> list[UtilisationRow]:
    """Logged and billable hours against capacity, per active technician."""
    if end < start:
        raise BadRequest("to: must not be before from", field="to")
    if (end - start).days > 366:
        raise BadRequest("the period may span at most a year", field="to")
    card = await rows.rate_card(settings)
    non_billable = {name for name, wt in card.work_types.items() if not wt.billable}
    groups = (
        await TimeEntry.select(
            TimeEntry.technician,
            TimeEntry.billable,
            TimeEntry.work_type,
            Sum(TimeEntry.minutes).as_alias("minutes"),
        )
        .where(
            (TimeEntry.started_at >= _midnight(start))
            & (TimeEntry.started_at < _midnight(end + timedelta(days=1)))
        )
        .group_by(TimeEntry.technician, TimeEntry.billable, TimeEntry.work_type)
    )
    logged: dict[int, int] = {}
    billable: dict[int, int] = {}
    for g in groups:
        m = int(g["minutes"] or 0)
        logged[g["technician"]] = logged.get(g["technician"], 0) + m
        if g["billable"] and g["work_type"] not in non_billable:
            billable[g["technician"]] = billable.get(g["technician"], 0) + m
    capacity = settings.capacity_hours_per_day * weekdays(start, end)
    techs = await Technician.select(
        Technician.id, Technician.name, Technician.role, Technician.active
    ).order_by(Technician.name)
    out: list[UtilisationRow] = []
    for t in techs:
        if not t["active"] and t["id"] not in logged:
            continue
        hours = Decimal(logged.get(t["id"], 0)) / 60
        bill = Decimal(billable.get(t["id"], 0)) / 60
        out.append(
            UtilisationRow(
                technician_id=t["id"],
                technician_name=t["name"],
                role=t["role"],
                hours=_hours(logged.get(t["id"], 0)),
                billable_hours=_hours(billable.get(t["id"], 0)),
                capacity_hours=f"{capacity.quantize(CENT):f}",
                utilisation_percent=_percent(hours, capacity),
                billable_percent=_percent(bill, capacity),
            )
        )
    return out
