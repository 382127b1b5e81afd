"""Asking every ``hub_triage`` plugin and combining their answers.

The rule (documented in the hookspec): for each field, the suggestion with the highest
confidence wins; on a tie the earlier implementation wins (pluggy order: ``tryfirst``
first, then last-registered first). Afterwards the priority is raised to the customer's
tier floor and, for VIP contacts, to ``high``: triage never lowers below a floor.
Which plugin supplied each field, and every plugin's raw answer, are kept.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from hub.contracts import PRIORITIES, FieldSuggestion, TriageContext, TriageItem, TriageSuggestion
from hub.db.tables import Customer, Team, Technician
from hub.logs import get_logger
from hub.plugins import PluginManager, await_me_maybe

log = get_logger("hub.triage")
FIELDS = ("category", "priority", "team", "technician_id")
VIP_FLOOR = "high"


class TriageResult(msgspec.Struct, kw_only=True):
    category: FieldSuggestion | None = None
    priority: FieldSuggestion | None = None
    team: FieldSuggestion | None = None
    technician_id: FieldSuggestion | None = None
    #: field -> plugin that supplied it
    sources: dict[str, str] = msgspec.field(default_factory=dict)
    #: plugin -> its whole answer
    raw: dict[str, TriageSuggestion] = msgspec.field(default_factory=dict)
    model_versions: dict[str, str] = msgspec.field(default_factory=dict)
    elapsed_ms: float = 0.0

    @property
    def confidence(self) -> float:
        """The weakest confidence among the fields that were suggested (for review)."""
        values = [getattr(self, f).confidence for f in FIELDS if getattr(self, f) is not None]
        return min(values) if values else 0.0


def _rank(priority: str) -> int:
    return PRIORITIES.index(priority)  # type: ignore[arg-type]


def apply_floors(result: TriageResult, context: TriageContext) -> None:
    """Raise the priority to the tier floor and the VIP floor; record the reason."""
    floors: list[tuple[str, str]] = []
    if context.tier_floor in PRIORITIES:
        floors.append(
            (
                context.tier_floor,
                f"customer tier {context.sla_tier} sets floor {context.tier_floor}",
            )
        )
    if context.vip:
        floors.append((VIP_FLOOR, f"VIP contact sets floor {VIP_FLOOR}"))
    current = result.priority
    for floor, reason in floors:
        if current is None:
            current = FieldSuggestion(value=floor, confidence=0.5, reasons=[reason])
            result.sources["priority"] = "floor"
        elif _rank(current.value) > _rank(floor):
            current = FieldSuggestion(
                value=floor,
                confidence=max(current.confidence, 0.5),
                reasons=[*current.reasons, reason],
            )
            result.sources["priority"] = result.sources.get("priority", "") + "+floor"
        elif reason not in current.reasons and floor == current.value:
            current.reasons.append(reason)
    result.priority = current


async def run_triage(pm: PluginManager, item: TriageItem, context: TriageContext) -> TriageResult:
    """Ask each implementation (sync or async) and combine as described above."""
    started = time.perf_counter()
    result = TriageResult()
    caller = pm.hook.hub_triage
    # walk implementations ourselves: we need each answer's plugin name, and some are async
    for impl in reversed(caller.get_hookimpls()):
        kwargs: dict[str, Any] = {"item": item, "context": context}
        args = {k: kwargs[k] for k in impl.argnames}
        try:
            answer = await await_me_maybe(impl.function(**args))
        except Exception:
            log.exception("triage_plugin_failed", plugin=impl.plugin_name)
            continue
        if answer is None:
            continue
        result.raw[impl.plugin_name] = answer
        if answer.model_version:
            result.model_versions[impl.plugin_name] = answer.model_version
        for field in FIELDS:
            suggestion: FieldSuggestion | None = getattr(answer, field)
            if suggestion is None:
                continue
            best: FieldSuggestion | None = getattr(result, field)
            if best is None or suggestion.confidence > best.confidence:
                setattr(result, field, suggestion)
                result.sources[field] = impl.plugin_name
    apply_floors(result, context)
    result.elapsed_ms = (time.perf_counter() - started) * 1000
    return result


async def team_names() -> list[str]:
    """Every team's name, sorted: what triage may route to."""
    return [r["name"] for r in await Team.select(Team.name).order_by(Team.name)]


#: the customer columns a triage context is made of (see :func:`context_from_row`)
CONTEXT_COLUMNS = (
    Customer.name,
    Customer.sla_tier.name.as_alias("tier"),
    Customer.sla_tier.priority_floor.as_alias("floor"),
)


def context_from_row(
    row: dict[str, Any] | None, *, vip: bool = False, teams: list[str]
) -> TriageContext:
    """The triage context of a customer row read with :data:`CONTEXT_COLUMNS` (or none)."""
    if row is None:
        return TriageContext(teams=teams, vip=vip)
    floor = row.get("floor") or "low"
    return TriageContext(
        customer_name=row["name"],
        sla_tier=row.get("tier"),
        tier_floor=floor if floor in PRIORITIES else "low",
        vip=vip,
        teams=teams,
    )


async def customer_context(
    customer_id: int | None, *, vip: bool = False, teams: list[str] | None = None
) -> TriageContext:
    """The triage context of a customer: name, SLA tier, the tier's priority floor, teams.

    An unknown (or ``None``) customer gives a context with only the teams.
    """
    names = teams if teams is not None else await team_names()
    row = None
    if customer_id is not None:
        row = await Customer.select(*CONTEXT_COLUMNS).where(Customer.id == customer_id).first()
    return context_from_row(row, vip=vip, teams=names)


async def assignment(team: str, technician_id: int | None) -> dict[str, int | None]:
    """The assignee fields for a suggested team name and technician, if they still exist.

    Triage reads a cached roster, so a team may have been renamed or a technician
    deactivated since: such a suggestion is dropped rather than failing the intake. A
    team that does not exist (the triage plugin's ``Review`` queue, say) assigns nobody.
    """
    team_row = await Team.select(Team.id).where(Team.name == team).first() if team else None
    tech_ok = technician_id is not None and await Technician.exists().where(
        (Technician.id == technician_id) & (Technician.active == True)  # noqa: E712
    )
    return {
        "assignee_team_id": team_row["id"] if team_row else None,
        "assignee_technician_id": technician_id if tech_ok else None,
    }


async def routed_assignment(result: TriageResult) -> dict[str, int | None]:
    """:func:`assignment` for the team and technician a combined result suggests."""
    team = str(result.team.value) if result.team else ""
    tech = result.technician_id.value if result.technician_id else None
    return await assignment(team, tech if isinstance(tech, int) else None)


async def route_item(
    pm: PluginManager, item: TriageItem, *, vip: bool = False
) -> dict[str, int | None]:
    """Triage ``item`` in its customer's context and return the assignee fields it routes to.

    For intake that only takes the queue from triage (portal requests, alerts): the
    item's own priority and category stand.
    """
    context = await customer_context(item.customer_id, vip=vip)
    return await routed_assignment(await run_triage(pm, item, context))
