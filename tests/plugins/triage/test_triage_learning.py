"""Triage records for email tasks, corrections from PATCH, the review queue, the model API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from httpx import AsyncClient

from hub.runtime import Hub
from plugins.triage.tables import TriageRecord
from tests.conftest import Keys
from tests.plugins.triage.hub_helpers import ACCESS_BODY, ACCESS_SUBJECT, msp, triage


async def _task(client: AsyncClient, h: dict[str, str], **fields: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/tasks", json=fields, headers=h)
    assert r.status_code == 201, r.text
    task: dict[str, Any] = r.json()
    return task


async def _patch(
    client: AsyncClient, task: dict[str, Any], h: dict[str, str], **fields: Any
) -> Any:
    r = await client.get(f"/api/v1/tasks/{task['id']}", headers=h)
    body = {"version": r.json()["version"], **fields}
    r = await client.patch(f"/api/v1/tasks/{task['id']}", json=body, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def test_patch_of_a_triaged_email_task_records_corrections(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    m = await msp(client, keys.admin_h)
    tech_h = await keys.technician(m["techs"]["ben"]["id"])
    task = await _task(
        client,
        keys.admin_h,
        customer_id=m["customer"]["id"],
        title=ACCESS_SUBJECT,
        description=ACCESS_BODY,
        source="email",
    )
    record = await TriageRecord.select().where(TriageRecord.task == task["id"]).first()
    assert record is not None
    assert (record["category"], record["priority"], record["team"]) == (
        "Access",
        "normal",
        "Service Desk",
    )
    assert record["model_version"] == "category-v1" and record["review"] is False

    await _patch(
        client,
        task,
        tech_h,
        category="Hardware",
        priority="high",
        assignee_team_id=m["infra"]["id"],
        title="Password reset needed (checked)",
    )
    r = await client.get("/api/v1/triage/corrections", headers=tech_h)
    assert r.status_code == 200, r.text
    page = r.json()
    got = {c["field"]: (c["suggested"], c["corrected"]) for c in page["items"]}
    assert got == {
        "category": ("Access", "Hardware"),
        "priority": ("normal", "high"),
        "team": ("Service Desk", "Infrastructure"),
    }
    assert page["total"] == 3
    first = page["items"][0]
    assert (
        first["task_id"] == task["id"]
        and first["actor"] == f"technician:tech{m['techs']['ben']['id']}"
    )
    assert first["title"] == ACCESS_SUBJECT and first["model_version"] == "category-v1"

    # back to what triage said: that correction is withdrawn
    await _patch(client, task, tech_h, priority="normal")
    r = await client.get("/api/v1/triage/corrections?field=priority", headers=tech_h)
    assert r.json()["total"] == 0
    r = await client.get("/api/v1/triage/corrections?field=category", headers=tech_h)
    assert [c["corrected"] for c in r.json()["items"]] == ["Hardware"]


async def test_manual_tasks_and_bad_filters(hub: Hub, client: AsyncClient, keys: Keys) -> None:
    m = await msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=m["customer"]["id"], title="Printer")
    assert await TriageRecord.count().where(TriageRecord.task == task["id"]) == 0
    await _patch(client, task, keys.admin_h, category="Hardware")
    r = await client.get("/api/v1/triage/corrections", headers=keys.admin_h)
    assert r.json()["total"] == 0
    r = await client.get("/api/v1/triage/corrections?field=colour", headers=keys.admin_h)
    assert r.status_code == 400 and "field" in r.text
    r = await client.get("/api/v1/triage/review?limit=0", headers=keys.admin_h)
    assert r.status_code == 400
    r = await client.get("/api/v1/triage/review")
    assert r.status_code == 401


async def test_review_queue_holds_tasks_and_inbox_items_below_threshold(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    m = await msp(client, keys.admin_h)
    vague = await _task(
        client,
        keys.admin_h,
        customer_id=m["customer"]["id"],
        title="Help",
        description="something is wrong",
        source="portal",
    )
    await _task(
        client,
        keys.admin_h,
        customer_id=m["customer"]["id"],
        title=ACCESS_SUBJECT,
        description=ACCESS_BODY,
        source="email",
    )
    received = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=UTC)
    await triage(hub, "Hi", "something is wrong", received_at=received)
    await triage(hub, "Hi", "something is wrong", received_at=received)  # redelivery

    r = await client.get("/api/v1/triage/review", headers=keys.admin_h)
    assert r.status_code == 200, r.text
    queue = r.json()
    assert queue["threshold"] == 0.6
    assert [t["task_id"] for t in queue["tasks"]] == [vague["id"]]
    entry = queue["tasks"][0]
    assert entry["confidence"] < 0.6 and entry["source"] == "portal"
    assert any("below threshold" in reason for reason in entry["reasons"])
    assert [i["subject"] for i in queue["inbox_items"]] == ["Hi"]
    item = queue["inbox_items"][0]
    assert item["kind"] == "email" and item["sender"] == "user@acme.example"
    assert item["suggestion"]["team"] == "Review" and item["confidence"] < 0.6

    # the inbox item becomes a task; a technician files the vague task
    await _task(
        client,
        keys.admin_h,
        customer_id=m["customer"]["id"],
        title="Hi",
        source="email",
        arrived_at=received.isoformat(),
    )
    await _patch(client, vague, keys.admin_h, category="Miscellaneous")
    queue = (await client.get("/api/v1/triage/review", headers=keys.admin_h)).json()
    assert queue["tasks"] == [] and queue["inbox_items"] == []


async def test_model_endpoint_shows_version_data_and_figures(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    r = await client.get("/api/v1/triage/model", headers=keys.header(keys.integration))
    assert r.status_code == 200, r.text
    info = r.json()
    assert info["version"] == "category-v1" and info["origin"] == "shipped"
    assert info["heldout"]["macro_f1"] == 0.8701 and info["heldout"]["n_items"] == 9568
    assert info["n_train"] == 38269 and "Lunalykaya" in info["source"]
    assert set(info["heldout"]["per_class"]) == set(info["classes"]) and len(info["classes"]) == 8
    assert info["retrains"] == []
