"""hub_triage through a real hub: reasons, model version, core floors, review, routing."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from hub.runtime import Hub
from plugins.triage.roster import RosterCache
from plugins.triage.runtime import TriageRuntime
from plugins.triage.tables import TriageCounter
from tests.conftest import Keys
from tests.plugins.triage.hub_helpers import gold_context, msp, triage


@pytest.fixture
def plugin_config() -> dict[str, dict[str, Any]]:
    # no cache: every item sees the database as the test left it
    return {"triage": {"cache_seconds": 0}}


def runtime(hub: Hub) -> TriageRuntime:
    value: TriageRuntime = hub.state["triage.runtime"]
    return value


async def test_answers_with_reasons_and_model_version(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    await msp(client, keys.admin_h)
    result = await triage(
        hub,
        "Server down for all users",
        "The file server is down and all users in the office cannot work. Urgent!",
    )
    answer = result.raw["triage"]
    assert answer.model_version == "category-v1"
    assert result.model_versions == {"triage": "category-v1"}
    assert (
        answer.category is not None and answer.category.value in runtime(hub).active.model.classes
    )  # type: ignore[union-attr]
    assert answer.category.reasons[0].startswith("terms '")
    assert "model category-v1 confidence" in answer.category.reasons[1]
    assert answer.priority is not None and answer.priority.value == "critical"
    assert answer.priority.reasons[0].startswith("mentions ")
    assert "'server down'" in answer.priority.reasons[0]
    assert "'all users'" in answer.priority.reasons[0]
    assert result.sources["category"] == "triage"


async def test_low_priority_for_gold_vip_is_raised_by_the_core(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    await msp(client, keys.admin_h)
    result = await triage(
        hub,
        "Signature update",
        "No rush, when you have time: please change the phone number in my mail signature.",
        context=gold_context(vip=True),
    )
    said = result.raw["triage"].priority
    assert said is not None and said.value == "low"  # the plugin applies no tier/VIP floor
    assert result.priority is not None and result.priority.value == "high"
    assert result.sources["priority"].startswith("triage+floor")
    assert "customer tier Gold sets floor normal" in result.priority.reasons
    assert "customer tier Gold sets floor normal" not in said.reasons
    assert "VIP contact sets floor high" in result.priority.reasons
    assert result.priority.reasons[0] == "says 'when you have time' and 'no rush'"


async def test_below_threshold_goes_to_review_not_a_technician(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    await msp(client, keys.admin_h)
    assert runtime(hub).settings.review_threshold == 0.6
    vague = await triage(hub, "Help", "something is wrong")
    assert vague.category is not None and vague.category.confidence < 0.6
    assert vague.team is not None and vague.team.value == "Review"
    assert vague.technician_id is None
    assert vague.team.reasons == [
        f"confidence {vague.category.confidence:.2f} below threshold 0.60"
    ]
    clear = await triage(hub)
    assert clear.category is not None and clear.category.value == "Access"
    assert clear.category.confidence >= 0.6
    assert clear.team is not None and clear.team.value == "Service Desk"
    assert clear.technician_id is not None


async def test_round_robin_then_load_balance(hub: Hub, client: AsyncClient, keys: Keys) -> None:
    msp_ = await msp(client, keys.admin_h)
    ann, ben = msp_["techs"]["ann"]["id"], msp_["techs"]["ben"]["id"]
    first, second = sorted([ann, ben], key=str)
    picks = []
    for _ in range(3):
        result = await triage(hub)
        assert result.team is not None and result.team.value == "Service Desk"
        assert result.technician_id is not None
        picks.append(result.technician_id.value)
    assert picks == [first, second, first]
    assert "round robin among 2 equal technicians" in result.technician_id.reasons

    # two open tasks for ann: ben has the fewest, every time
    for title in ("one", "two"):
        r = await client.post(
            "/api/v1/tasks",
            json={
                "customer_id": msp_["customer"]["id"],
                "title": title,
                "assignee_technician_id": ann,
            },
            headers=keys.admin_h,
        )
        assert r.status_code == 201, r.text
    for _ in range(2):
        result = await triage(hub)
        assert result.technician_id is not None and result.technician_id.value == ben
        assert "fewest open tasks (0)" in result.technician_id.reasons

    # the counter is stored per team and a new process continues from it
    await runtime(hub).roster.flush_counters()
    stored = await TriageCounter.select().where(TriageCounter.team == "Service Desk").first()
    assert stored is not None and stored["counter"] == 5
    restarted = RosterCache(hub.pm, 0)
    await restarted.refresh()
    assert restarted.counter("Service Desk") == 5


async def test_technician_on_leave_is_skipped(hub: Hub, client: AsyncClient, keys: Keys) -> None:
    msp_ = await msp(client, keys.admin_h)
    ann, ben = msp_["techs"]["ann"]["id"], msp_["techs"]["ben"]["id"]
    r = await client.post(
        "/api/v1/calendar/leave",
        json={
            "technician_id": ann,
            "start": "2000-01-01T00:00:00Z",
            "end": "2100-01-01T00:00:00Z",
        },
        headers=keys.admin_h,
    )
    assert r.status_code == 201, r.text
    for _ in range(3):
        result = await triage(hub)
        assert result.technician_id is not None and result.technician_id.value == ben
