"""Queue choice: team by category, then a technician in that team, or the review queue.

A pure function of its inputs, so the core can call it inside a transaction and tests can
pin every tie. The rotating counter for round robin is passed in and the next value handed
back; the caller stores it (per team) between calls.
"""

from __future__ import annotations

import msgspec

DEFAULT_TEAMS: dict[str, str] = {
    "Hardware": "Field Service",
    "Access": "Service Desk",
    "Administrative rights": "Service Desk",
    "Storage": "Infrastructure",
    "Internal Project": "Projects",
    "Purchase": "Procurement",
    "HR Support": "Service Desk",
    "Miscellaneous": "Service Desk",
}
REVIEW_QUEUE = "Review"
DEFAULT_THRESHOLD = 0.6


class TechnicianInfo(msgspec.Struct, frozen=True):
    """A technician as routing sees them."""

    id: str
    team: str
    skills: frozenset[str] = frozenset()
    open_load: int = 0
    available: bool = True


class RoutingRequest(msgspec.Struct, frozen=True):
    """What routing needs to know about an item."""

    category: str
    confidence: float
    required_skills: frozenset[str] = frozenset()


class RoutingDecision(msgspec.Struct, frozen=True):
    """Where an item goes and why; ``next_counter`` is the round-robin state to store."""

    team: str
    technician_id: str | None
    review: bool
    reasons: list[str]
    next_counter: int


def route(
    request: RoutingRequest,
    technicians: list[TechnicianInfo],
    counter: int = 0,
    teams: dict[str, str] | None = None,
    on_call: frozenset[str] = frozenset(),
    threshold: float = DEFAULT_THRESHOLD,
) -> RoutingDecision:
    """Choose a team and technician for ``request``.

    * Below ``threshold`` combined confidence the item goes to the review queue, unassigned.
    * The team comes from ``teams`` (category -> team name; :data:`DEFAULT_TEAMS` if None);
      an unmapped category goes to review.
    * Candidates: team members who are ``available`` or whose id is in ``on_call``.
    * Among them, the most matching ``required_skills`` win, then the fewest open tasks;
      remaining ties are broken round robin: sorted by id, pick ``counter % len(ties)``,
      and ``next_counter = counter + 1``.
    * No candidate: the team queue, unassigned.
    """
    mapping = DEFAULT_TEAMS if teams is None else teams
    if request.confidence < threshold:
        return RoutingDecision(
            team=REVIEW_QUEUE,
            technician_id=None,
            review=True,
            reasons=[f"confidence {request.confidence:.2f} below threshold {threshold:.2f}"],
            next_counter=counter,
        )
    team = mapping.get(request.category)
    if team is None:
        return RoutingDecision(
            team=REVIEW_QUEUE,
            technician_id=None,
            review=True,
            reasons=[f"no team configured for category {request.category}"],
            next_counter=counter,
        )
    reasons = [f"category {request.category} -> team {team}"]
    members = [t for t in technicians if t.team == team]
    candidates = [t for t in members if t.available or t.id in on_call]
    if not candidates:
        reasons.append("no available technician in team; left in team queue")
        return RoutingDecision(team, None, False, reasons, counter)

    def skill_match(t: TechnicianInfo) -> int:
        return len(request.required_skills & t.skills)

    best_skill = max(skill_match(t) for t in candidates)
    skilled = [t for t in candidates if skill_match(t) == best_skill]
    if request.required_skills:
        reasons.append(f"{best_skill} of {len(request.required_skills)} required skills matched")
    lowest = min(t.open_load for t in skilled)
    ties = sorted((t for t in skilled if t.open_load == lowest), key=lambda t: t.id)
    chosen = ties[counter % len(ties)]
    reasons.append(f"fewest open tasks ({lowest})")
    if len(ties) > 1:
        reasons.append(f"round robin among {len(ties)} equal technicians")
    if not chosen.available:
        reasons.append(f"{chosen.id} is on call")
    return RoutingDecision(team, chosen.id, False, reasons, counter + 1)
