"""The built-in SLA policy plugin: targets from the customer's SLA tier.

Registered through the ``atlas_hub`` entry-point group like any vendor plugin, and
``trylast`` so a vendor's ``hub_sla_policy`` is asked first.
"""

from __future__ import annotations

from typing import Any

from hub.contracts import SlaPolicy
from hub.hookspecs import hookimpl


@hookimpl(trylast=True)
def hub_sla_policy(task: dict[str, Any], customer: dict[str, Any]) -> SlaPolicy | None:
    tier = customer.get("sla_tier")
    if not tier:
        return None
    target = (tier.get("targets") or {}).get(task["priority"])
    if not target:
        return None
    coverage = target.get("coverage", "business_hours")
    return SlaPolicy(
        name=f"{tier['name']}/{task['priority']}",
        first_response_minutes=int(target["first_response_minutes"]),
        resolution_minutes=int(target["resolution_minutes"]),
        coverage=coverage,
        calendar_id=customer.get("calendar_id") if coverage == "business_hours" else None,
        pause_on_waiting=bool(tier.get("pause_on_waiting", True)),
    )
