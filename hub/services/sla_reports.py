"""SLA views: tasks at risk, met/breached reports, explanations of due times."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import msgspec

from hub.db.tables import Task
from hub.errors import BadRequest, NotFound
from hub.plugins import PluginManager
from hub.services import sla as sla_service
from hub.services.state_machine import OPEN_STATUSES
from hub.services.task_rows import load_row, task_query
from hub.sla.clocks import SlaExplanation


class AtRiskTask(msgspec.Struct, kw_only=True):
    task_id: int
    title: str
    customer_id: int
    customer: str
    priority: str
    status: str
    clock: str
    due_at: datetime
    remaining_seconds: float
    state: str


class ReportRow(msgspec.Struct, kw_only=True):
    customer_id: int
    customer: str
    tier: str
    priority: str
    tasks: int
    first_response_met: int
    first_response_breached: int
    first_response_met_pct: float | None
    resolution_met: int
    resolution_breached: int
    resolution_met_pct: float | None


class TaskSlaExplanation(msgspec.Struct, kw_only=True):
    task_id: int
    policy: str
    coverage: str
    calendar: str | None
    clocks: list[SlaExplanation]


async def _state(pm: PluginManager, row: dict[str, Any], now: datetime):  # type: ignore[no-untyped-def]
    customer = await sla_service.customer_context(row["customer"])
    policy = sla_service.policy_for(pm, row, customer)
    if policy is None:
        return None, None, []
    calendar = await sla_service.load_calendar(policy.calendar_id)
    pauses = await sla_service.pauses_of(row["id"])
    return sla_service.compute(policy, calendar, row, pauses, now), calendar, pauses


async def at_risk(
    pm: PluginManager, limit: int = 50, customer_id: int | None = None
) -> list[AtRiskTask]:
    """Open tasks with a running clock, the least time remaining first."""
    now = datetime.now(UTC)
    query = task_query().where(
        Task.status.is_in(list(OPEN_STATUSES)) & (Task.queue_due_at < sla_service.FAR_FUTURE)
    )
    if customer_id is not None:
        query = query.where(Task.customer == customer_id)
    rows = await query.order_by(Task.queue_due_at).limit(limit * 2)
    out: list[AtRiskTask] = []
    for row in rows:
        state, _, _ = await _state(pm, row, now)
        if state is None:
            continue
        clocks = [c for c in (state.first_response, state.resolution) if c.met_at is None]
        if not clocks:
            continue
        clock = min(clocks, key=lambda c: c.remaining_seconds)
        out.append(
            AtRiskTask(
                task_id=row["id"],
                title=row["title"],
                customer_id=row["customer"],
                customer=row["customer_name"],
                priority=row["priority"],
                status=row["status"],
                clock=clock.kind,
                due_at=clock.due_at,
                remaining_seconds=(clock.due_at - now).total_seconds(),
                state=clock.state,
            )
        )
    out.sort(key=lambda r: r.remaining_seconds)
    return out[:limit]


def _pct(met: int, breached: int) -> float | None:
    total = met + breached
    return round(100.0 * met / total, 2) if total else None


async def report(
    pm: PluginManager, start: datetime, end: datetime, customer_id: int | None = None
) -> list[ReportRow]:
    """Met/breached counts per customer, tier and priority for tasks arrived in the range.

    A clock counts as met when stopped on time, breached when stopped late or still
    running past its due time; clocks still running on time are not counted yet.
    """
    if end <= start:
        raise BadRequest("to: must be after from", field="to")
    now = datetime.now(UTC)
    query = task_query().where((Task.arrived_at >= start) & (Task.arrived_at < end))
    if customer_id is not None:
        query = query.where(Task.customer == customer_id)
    groups: dict[tuple[int, str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for row in await query:
        state, _, _ = await _state(pm, row, now)
        if state is None:
            continue
        tier = state.policy.name.split("/")[0]
        g = groups[(row["customer"], row["customer_name"], tier, row["priority"])]
        g[0] += 1
        for offset, clock in ((1, state.first_response), (3, state.resolution)):
            if clock.state == "met":
                g[offset] += 1
            elif clock.state == "breached":
                g[offset + 1] += 1
    return [
        ReportRow(
            customer_id=cid,
            customer=cname,
            tier=tier,
            priority=prio,
            tasks=g[0],
            first_response_met=g[1],
            first_response_breached=g[2],
            first_response_met_pct=_pct(g[1], g[2]),
            resolution_met=g[3],
            resolution_breached=g[4],
            resolution_met_pct=_pct(g[3], g[4]),
        )
        for (cid, cname, tier, prio), g in sorted(groups.items())
    ]


async def explain_task(pm: PluginManager, task_id: int) -> TaskSlaExplanation:
    row = await load_row(task_id)
    now = datetime.now(UTC)
    state, calendar, pauses = await _state(pm, row, now)
    if state is None:
        raise NotFound("SLA policy for task", task_id)
    return TaskSlaExplanation(
        task_id=task_id,
        policy=state.policy.name,
        coverage=state.policy.coverage,
        calendar=state.calendar,
        clocks=sla_service.explain_clocks(state, calendar, row, pauses, now),
    )
