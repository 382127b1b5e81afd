"""Building blocks for API tests: a small MSP created through the API itself."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient as AsyncTestClient

TARGETS = {
    "critical": {"first_response_minutes": 15, "resolution_minutes": 240, "coverage": "24x7"},
    "high": {"first_response_minutes": 60, "resolution_minutes": 480, "coverage": "24x7"},
    "normal": {"first_response_minutes": 240, "resolution_minutes": 1440, "coverage": "24x7"},
    "low": {"first_response_minutes": 480, "resolution_minutes": 2880, "coverage": "24x7"},
}


async def post(client: AsyncTestClient, path: str, body: dict[str, Any], h: dict[str, str]) -> Any:
    r = await client.post(path, json=body, headers=h)
    assert r.status_code == 201, (path, r.status_code, r.text)
    return r.json()


async def small_msp(client: AsyncTestClient, h: dict[str, str]) -> dict[str, Any]:
    tier = await post(client, "/api/v1/sla-tiers", {"name": "Gold", "targets": TARGETS}, h)
    customer = await post(
        client,
        "/api/v1/customers",
        {"name": "Acme Corp", "email_domains": ["acme.example"], "sla_tier_id": tier["id"]},
        h,
    )
    other = await post(client, "/api/v1/customers", {"name": "Globex"}, h)
    tech = await post(client, "/api/v1/technicians", {"name": "Ann", "email": "ann@msp.example"}, h)
    tech2 = await post(
        client, "/api/v1/technicians", {"name": "Ben", "email": "ben@msp.example"}, h
    )
    team = await post(
        client, "/api/v1/teams", {"name": "Desk", "member_ids": [tech["id"], tech2["id"]]}, h
    )
    return {
        "tier": tier,
        "customer": customer,
        "other": other,
        "tech": tech,
        "tech2": tech2,
        "team": team,
    }
