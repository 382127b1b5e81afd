"""A small MSP for triage tests: a Gold tier with a floor, two teams, three technicians."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient

from hub.contracts import TriageContext, TriageItem
from hub.runtime import Hub
from hub.services.triage import TriageResult, run_triage
from tests.hub.api.helpers import TARGETS, post

ACCESS_SUBJECT = "Password reset needed"
ACCESS_BODY = "I am locked out of my account and cannot log in, please reset my password."


async def msp(client: AsyncClient, h: dict[str, str]) -> dict[str, Any]:
    """Gold tier (floor normal), customer Acme, Service Desk (ann, ben), Infrastructure (cid)."""
    tier = await post(
        client,
        "/api/v1/sla-tiers",
        {"name": "Gold", "targets": TARGETS, "priority_floor": "normal"},
        h,
    )
    customer = await post(
        client,
        "/api/v1/customers",
        {"name": "Acme Corp", "email_domains": ["acme.example"], "sla_tier_id": tier["id"]},
        h,
    )
    techs = {}
    for name, skills in (("ann", ["windows"]), ("ben", ["hardware"]), ("cid", ["linux"])):
        techs[name] = await post(
            client,
            "/api/v1/technicians",
            {"name": name.title(), "email": f"{name}@msp.example", "skills": skills},
            h,
        )
    desk = await post(
        client,
        "/api/v1/teams",
        {"name": "Service Desk", "member_ids": [techs["ann"]["id"], techs["ben"]["id"]]},
        h,
    )
    infra = await post(
        client, "/api/v1/teams", {"name": "Infrastructure", "member_ids": [techs["cid"]["id"]]}, h
    )
    return {"tier": tier, "customer": customer, "techs": techs, "desk": desk, "infra": infra}


def gold_context(vip: bool = False) -> TriageContext:
    return TriageContext(
        customer_name="Acme Corp",
        sla_tier="Gold",
        tier_floor="normal",
        vip=vip,
        teams=["Infrastructure", "Service Desk"],
    )


async def triage(
    hub: Hub,
    subject: str = ACCESS_SUBJECT,
    body: str = ACCESS_BODY,
    *,
    context: TriageContext | None = None,
    received_at: datetime | None = None,
) -> TriageResult:
    item = TriageItem(
        kind="email",
        subject=subject,
        body=body,
        sender="user@acme.example",
        received_at=received_at or datetime.now(UTC),
    )
    return await run_triage(hub.pm, item, context or gold_context())
