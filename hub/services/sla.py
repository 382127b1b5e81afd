"""Applying SLA policies to tasks: targets, both clocks, and when to look again."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from hub.contracts import SlaPolicy
from hub.db.tables import Customer, SlaCalendar, SlaPause
from hub.plugins import PluginManager
from hub.sla.calendars import BusinessCalendar
from hub.sla.clocks import ClockState, SlaTarget, compute_clock, explain
from hub.sla.clocks import SlaExplanation as ClockExplanation

#: share of a target after which a warning is published (env ATLAS_SLA_WARN_SHARE)
WARN_SHARE = float(os.environ.get("ATLAS_SLA_WARN_SHARE", "0.75"))
#: the queue sorts tasks without a due time last
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)

_calendars: dict[int, tuple[datetime, BusinessCalendar]] = {}


class TaskSlaState(msgspec.Struct, kw_only=True):
    """What is stored in ``task.sla`` (and shown with the task)."""

    policy: SlaPolicy
    calendar: str | None
    first_response: ClockState
    resolution: ClockState


#: customer id -> (expires at, context). Customer and tier data change rarely and are read
#: on every task write; changes made in this process drop the cache at once, other
#: processes see them within CONTEXT_TTL seconds.
CONTEXT_TTL = 5.0
_contexts: dict[int, tuple[float, dict[str, Any]]] = {}


def forget_customer_contexts() -> None:
    """Drop cached customer contexts (after a customer, tier or calendar change)."""
    _contexts.clear()


def reset_caches() -> None:
    """Drop every cache of database rows (a hub opening a database starts clean)."""
    _contexts.clear()
    _calendars.clear()


async def customer_context(customer_id: int) -> dict[str, Any]:
    """The customer as the ``hub_sla_policy`` hook sees it (tier included); {} if absent."""
    now = time.monotonic()
    cached = _contexts.get(customer_id)
    if cached and cached[0] > now:
        return cached[1]
    context = await _load_customer_context(customer_id)
    if context:
        if len(_contexts) > 10_000:
            _contexts.clear()
        _contexts[customer_id] = (now + CONTEXT_TTL, context)
    return context


async def _load_customer_context(customer_id: int) -> dict[str, Any]:
    tier = Customer.sla_tier
    row = (
        await Customer.select(
            Customer.id,
            Customer.name,
            Customer.timezone,
            Customer.calendar,
            Customer.sla_tier,
            tier.name.as_alias("tier_name"),
            tier.targets.as_alias("tier_targets"),
            tier.pause_on_waiting.as_alias("tier_pause"),
            tier.priority_floor.as_alias("tier_floor"),
            tier.rank.as_alias("tier_rank"),
        )
        .where(Customer.id == customer_id)
        .first()
    )
    if row is None:
        return {}
    return {
        "id": row["id"],
        "name": row["name"],
        "timezone": row["timezone"],
        "calendar_id": row["calendar"],
        "sla_tier": None
        if row["sla_tier"] is None
        else {
            "id": row["sla_tier"],
            "name": row["tier_name"],
            "targets": msgspec.json.decode(row["tier_targets"] or "{}"),
            "pause_on_waiting": row["tier_pause"],
            "priority_floor": row["tier_floor"],
            "rank": row["tier_rank"],
        },
    }


def policy_for(
    pm: PluginManager, task: dict[str, Any], customer: dict[str, Any]
) -> SlaPolicy | None:
    """The first plugin's answer to ``hub_sla_policy`` (the built-in reads the tier)."""
    return pm.hook.hub_sla_policy(task=task, customer=customer)


async def load_calendar(calendar_id: int | None) -> BusinessCalendar | None:
    if calendar_id is None:
        return None
    row = (
        await SlaCalendar.select(SlaCalendar.spec, SlaCalendar.updated_at)
        .where(SlaCalendar.id == calendar_id)
        .first()
    )
    if row is None:
        return None
    cached = _calendars.get(calendar_id)
    if cached and cached[0] == row["updated_at"]:
        return cached[1]
    cal = msgspec.json.decode(row["spec"], type=BusinessCalendar)
    _calendars[calendar_id] = (row["updated_at"], cal)
    return cal


async def pauses_of(task_id: int) -> list[tuple[datetime, datetime | None]]:
    rows = (
        await SlaPause.select(SlaPause.started_at, SlaPause.ended_at)
        .where(SlaPause.task == task_id)
        .order_by(SlaPause.started_at)
    )
    return [(r["started_at"], r["ended_at"]) for r in rows]


def _target(policy: SlaPolicy, calendar: BusinessCalendar | None) -> SlaTarget:
    return SlaTarget(
        first_response=timedelta(minutes=policy.first_response_minutes),
        resolution=timedelta(minutes=policy.resolution_minutes),
        calendar=calendar,
        pause_on_waiting=policy.pause_on_waiting,
    )


def compute(
    policy: SlaPolicy,
    calendar: BusinessCalendar | None,
    task: dict[str, Any],
    pauses: list[tuple[datetime, datetime | None]],
    now: datetime,
) -> TaskSlaState:
    target = _target(policy, calendar)
    arrived = task["arrived_at"]
    first = compute_clock(
        "first_response",
        target,
        calendar,
        arrived,
        pauses,
        task.get("first_response_at"),
        now,
        WARN_SHARE,
    )
    resolution = compute_clock(
        "resolution", target, calendar, arrived, pauses, task.get("resolved_at"), now, WARN_SHARE
    )
    return TaskSlaState(
        policy=policy,
        calendar=calendar.name if calendar else None,
        first_response=first,
        resolution=resolution,
    )


def explain_clocks(
    state: TaskSlaState,
    calendar: BusinessCalendar | None,
    task: dict[str, Any],
    pauses: list[tuple[datetime, datetime | None]],
    now: datetime,
) -> list[ClockExplanation]:
    target = _target(state.policy, calendar)
    return [
        explain(kind, target, calendar, task["arrived_at"], pauses, stopped, now, WARN_SHARE)
        for kind, stopped in (
            ("first_response", task.get("first_response_at")),
            ("resolution", task.get("resolved_at")),
        )
    ]


def running(clock: ClockState) -> bool:
    return clock.met_at is None and clock.state in ("running", "breached")


def queue_due(state: TaskSlaState | None) -> datetime:
    """The nearest due time of a clock still running (the queue's default sort key)."""
    if state is None:
        return FAR_FUTURE
    dues = [c.due_at for c in (state.first_response, state.resolution) if c.met_at is None]
    return min(dues) if dues else FAR_FUTURE


def next_check(
    state: TaskSlaState | None, published: frozenset[str] = frozenset(), task_id: int = 0
) -> datetime | None:
    """When the breach monitor must look next: the earliest unpublished warning or breach."""
    if state is None:
        return None
    moments: list[datetime] = []
    for clock in (state.first_response, state.resolution):
        if clock.met_at is not None or clock.paused_since is not None:
            continue
        if notice_key(clock, "warning", task_id) not in published:
            moments.append(clock.warn_at)
        elif notice_key(clock, "breached", task_id) not in published:
            moments.append(clock.due_at)
    return min(moments) if moments else None


def notice_key(clock: ClockState, kind: str, task_id: int = 0) -> str:
    return f"{task_id}:{clock.kind}:{kind}:{clock.due_at.isoformat()}"
