"""Which priorities a contact may choose when submitting a request.

The rule (see README): a contact may choose from the customer tier's
``priority_floor`` up to ``high``. ``critical`` is offered only to VIP contacts or when
the customer's tier has ``rank <= 1`` (the premium tiers), or when the floor itself is
``critical``. A customer without a tier gets ``low`` .. ``high`` (critical for VIPs).
"""

from __future__ import annotations

from typing import Any

from hub.contracts import PRIORITIES
from hub.db.tables import SlaTier
from hub.services.sla import customer_context

#: tiers with a rank at or below this may raise critical requests
CRITICAL_MAX_RANK = 1


def allowed_priorities(floor: str, rank: int | None, vip: bool) -> list[str]:
    """Priorities offered, most urgent first (pure function of the rule above)."""
    floor = floor if floor in PRIORITIES else "low"
    floor_index = PRIORITIES.index(floor)  # type: ignore[arg-type]
    critical_ok = vip or (rank is not None and rank <= CRITICAL_MAX_RANK) or floor == "critical"
    return [
        p for i, p in enumerate(PRIORITIES) if i <= floor_index and (p != "critical" or critical_ok)
    ]


def default_priority(allowed: list[str]) -> str:
    """What the form preselects: normal when allowed, else the least urgent allowed."""
    return "normal" if "normal" in allowed else allowed[-1]


async def priorities_for(customer_id: int, vip: bool) -> list[str]:
    """The allowed priorities of a contact of ``customer_id``."""
    context: dict[str, Any] = await customer_context(customer_id)
    tier = context.get("sla_tier")
    if not tier:
        return allowed_priorities("low", None, vip)
    rank_row = await SlaTier.select(SlaTier.rank).where(SlaTier.id == tier["id"]).first()
    rank = rank_row["rank"] if rank_row else None
    return allowed_priorities(tier["priority_floor"], rank, vip)
