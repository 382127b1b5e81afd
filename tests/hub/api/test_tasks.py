from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import nats
from httpx import AsyncClient as AsyncTestClient

from hub.runtime import Hub
from tests.conftest import Keys
from tests.hub.api.helpers import post, small_msp


async def _task(client: AsyncTestClient, h: dict[str, str], **body: Any) -> dict[str, Any]:
    return await post(client, "/api/v1/tasks", body, h)


async def _patch(client: AsyncTestClient, h: dict[str, str], task: dict[str, Any], **body: Any):
    return await client.patch(
        f"/api/v1/tasks/{task['id']}", json=body, headers={**h, "If-Match": f'"v{task["version"]}"'}
    )


async def test_task_inherits_sla_targets_from_customer_tier(
    client: AsyncTestClient, keys: Keys
) -> None:
    msp = await small_msp(client, keys.admin_h)
    arrived = datetime.now(UTC) - timedelta(minutes=5)
    task = await _task(
        client,
        keys.admin_h,
        customer_id=msp["customer"]["id"],
        title="Printer",
        priority="high",
        arrived_at=arrived.isoformat(),
    )
    assert task["sla"]["policy"] == "Gold/high"
    fr_due = datetime.fromisoformat(task["sla"]["first_response"]["due_at"])
    res_due = datetime.fromisoformat(task["sla"]["resolution"]["due_at"])
    # the clock starts at arrival, not at creation (24x7 coverage in the helper tier)
    assert abs((fr_due - (arrived + timedelta(minutes=60))).total_seconds()) < 1
    assert abs((res_due - (arrived + timedelta(minutes=480))).total_seconds()) < 1
    # no tier -> no SLA
    plain = await _task(client, keys.admin_h, customer_id=msp["other"]["id"], title="x")
    assert plain["sla"] is None


async def test_priority_and_customer_changes_recompute_sla(
    client: AsyncTestClient, keys: Keys
) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(
        client, keys.admin_h, customer_id=msp["customer"]["id"], title="Mail", priority="low"
    )
    assert task["sla"]["first_response"]["target_seconds"] == 480 * 60
    r = await _patch(client, keys.admin_h, task, priority="critical")
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["sla"]["policy"] == "Gold/critical"
    assert updated["sla"]["first_response"]["target_seconds"] == 15 * 60
    r = await _patch(client, keys.admin_h, updated, customer_id=msp["other"]["id"])
    assert r.json()["sla"] is None


async def test_lifecycle_through_every_status(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="VPN")
    for status in (
        "in_progress",
        "waiting_on_customer",
        "open",
        "in_progress",
        "resolved",
        "closed",
        "open",
        "resolved",
        "closed",
    ):
        r = await _patch(client, keys.admin_h, task, status=status)
        assert r.status_code == 200, (status, r.text)
        task = r.json()
        assert task["status"] == status
    assert task["closed_at"] is not None
    assert task["resolved_at"] is not None


async def test_invalid_transitions_are_409_with_reason(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="Disk")
    r = await _patch(client, keys.admin_h, task, status="closed")
    assert r.status_code == 409
    assert "closed is only reachable from resolved" in r.json()["detail"]
    unchanged = (await client.get(f"/api/v1/tasks/{task['id']}", headers=keys.admin_h)).json()
    assert unchanged["status"] == "open" and unchanged["version"] == task["version"]


async def test_waiting_on_customer_pauses_resolution_clock(
    client: AsyncTestClient, keys: Keys
) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="Pause")
    r = await _patch(client, keys.admin_h, task, status="waiting_on_customer")
    task = r.json()
    assert task["sla"]["resolution"]["state"] == "paused"
    assert task["sla"]["resolution"]["paused_since"] is not None
    explained = await client.get(f"/api/v1/tasks/{task['id']}/sla", headers=keys.admin_h)
    assert explained.status_code == 200
    clocks = explained.json()["clocks"]
    assert clocks[1]["kind"] == "resolution"
    assert len(clocks[1]["pauses"]) == 1 and clocks[1]["pauses"][0]["end"] is None


async def test_stale_version_is_refused(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="Race")
    first = await _patch(client, keys.admin_h, task, title="Ann's title")
    assert first.status_code == 200
    assert first.headers["etag"] == '"v2"'
    second = await _patch(client, keys.admin_h, task, title="Ben's title")  # still v1
    assert second.status_code == 412
    assert "changed by someone else" in second.json()["detail"]
    no_version = await client.patch(
        f"/api/v1/tasks/{task['id']}", json={"title": "x"}, headers=keys.admin_h
    )
    assert no_version.status_code == 428
    final = (await client.get(f"/api/v1/tasks/{task['id']}", headers=keys.admin_h)).json()
    assert final["title"] == "Ann's title"


async def test_audit_records_who_what_old_new(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="Audit")
    await _patch(client, keys.admin_h, task, priority="high", status="in_progress")
    entries = (await client.get(f"/api/v1/tasks/{task['id']}/audit", headers=keys.admin_h)).json()
    assert entries[0]["action"] == "created"
    changed = {e["field"]: e for e in entries[1:]}
    assert changed["priority"]["old"] == "normal" and changed["priority"]["new"] == "high"
    assert changed["status"]["old"] == "open" and changed["status"]["new"] == "in_progress"
    assert all(e["actor"] == "admin:test admin" and e["channel"] == "api" for e in entries)


async def test_events_are_published_after_commit(
    client: AsyncTestClient, keys: Keys, hub: Hub
) -> None:
    msp = await small_msp(client, keys.admin_h)
    nc = await nats.connect(hub.nats_url)
    received: list[tuple[str, dict[str, Any]]] = []

    async def on_msg(msg: Any) -> None:
        received.append((msg.subject, msgspec.json.decode(msg.data)))

    await nc.subscribe("hub.evt.task.>", cb=on_msg)
    task = await _task(
        client,
        keys.admin_h,
        customer_id=msp["customer"]["id"],
        title="Evt",
        assignee_technician_id=msp["tech"]["id"],
    )
    await _patch(client, keys.admin_h, task, status="in_progress")
    for _ in range(50):
        if len(received) >= 4:
            break
        await asyncio.sleep(0.05)
    await nc.close()
    subjects = [s for s, _ in received]
    assert subjects == [
        "hub.evt.task.created",
        "hub.evt.task.assigned",
        "hub.evt.task.updated",
        "hub.evt.task.status_changed",
    ]
    status_event = received[3][1]
    assert status_event["task_id"] == task["id"]
    assert status_event["changes"]["status"] == ["open", "in_progress"]


async def test_checklist_add_check_reorder_delete(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="Onboard")
    base = f"/api/v1/tasks/{task['id']}/checklist"
    for text in ("Create account", "Licence", "Laptop"):
        r = await client.post(base, json={"text": text}, headers=keys.admin_h)
        assert r.status_code == 201
    items = r.json()["items"]
    assert [i["text"] for i in items] == ["Create account", "Licence", "Laptop"]
    r = await client.patch(f"{base}/{items[1]['id']}", json={"done": True}, headers=keys.admin_h)
    body = r.json()
    assert body["summary"] == "1 of 3 done"
    checked = next(i for i in body["items"] if i["id"] == items[1]["id"])
    assert checked["done_by"] == "admin:test admin" and checked["done_at"] is not None
    order = [items[2]["id"], items[0]["id"], items[1]["id"]]
    r = await client.put(f"{base}/order", json={"item_ids": order}, headers=keys.admin_h)
    assert [i["id"] for i in r.json()["items"]] == order
    bad = await client.put(f"{base}/order", json={"item_ids": order[:2]}, headers=keys.admin_h)
    assert bad.status_code == 400
    r = await client.delete(f"{base}/{items[0]['id']}", headers=keys.admin_h)
    assert r.json()["summary"] == "1 of 2 done"
    t = (await client.get(f"/api/v1/tasks/{task['id']}", headers=keys.admin_h)).json()
    assert t["checklist"] == "1 of 2 done"


async def test_time_entries_totals_and_lock(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="Time")
    h = await keys.technician(msp["tech"]["id"])
    base = f"/api/v1/tasks/{task['id']}/time"
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    a = await post(
        client, base, {"started_at": start.isoformat(), "minutes": 30, "work_type": "remote"}, h
    )
    assert a["technician_id"] == msp["tech"]["id"]
    await post(
        client,
        base,
        {
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(minutes=45)).isoformat(),
            "billable": False,
        },
        h,
    )
    both = await client.post(
        base,
        json={"started_at": start.isoformat(), "minutes": 5, "ended_at": start.isoformat()},
        headers=h,
    )
    assert both.status_code == 400
    totals = (await client.get(f"{base}/totals", headers=h)).json()
    assert totals == {
        "minutes": 75,
        "billable_minutes": 30,
        "non_billable_minutes": 45,
        "entries": 2,
        "by_work_type": {"remote": 30, "standard": 45},
    }
    cust = await client.get(
        f"/api/v1/customers/{msp['customer']['id']}/time-totals",
        params={"from": "2026-11-01T00:00:00Z", "to": "2026-11-03T00:00:00Z"},
        headers=h,
    )
    assert cust.json()["minutes"] == 75
    outside = await client.get(
        f"/api/v1/customers/{msp['customer']['id']}/time-totals",
        params={"from": "2026-11-03T00:00:00Z", "to": "2026-11-04T00:00:00Z"},
        headers=h,
    )
    assert outside.json()["minutes"] == 0
    # an invoiced entry is locked
    from hub.db.tables import TimeEntry

    await TimeEntry.update({TimeEntry.invoice_id: 1}).where(TimeEntry.id == a["id"])
    r = await client.patch(f"{base}/{a['id']}", json={"minutes": 60}, headers=h)
    assert r.status_code == 409 and "locked" in r.json()["detail"]
    assert (await client.delete(f"{base}/{a['id']}", headers=h)).status_code == 409


async def test_public_comment_meets_first_response(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    task = await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="Reply")
    h = await keys.technician(msp["tech"]["id"])
    base = f"/api/v1/tasks/{task['id']}/messages"
    await post(client, base, {"body": "checked logs", "kind": "note"}, h)
    t = (await client.get(f"/api/v1/tasks/{task['id']}", headers=h)).json()
    assert t["first_response_at"] is None  # internal notes do not count
    await post(client, base, {"body": "We are on it", "kind": "public_comment"}, h)
    t = (await client.get(f"/api/v1/tasks/{task['id']}", headers=h)).json()
    assert t["first_response_at"] is not None
    assert t["sla"]["first_response"]["state"] == "met"
    conv = (await client.get(base, headers=h)).json()
    assert [(m["direction"], m["public"]) for m in conv] == [
        ("internal", False),
        ("outbound", True),
    ]


async def test_queue_filters_and_my_queue(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    cid = msp["customer"]["id"]
    mine = await _task(
        client,
        keys.admin_h,
        customer_id=cid,
        title="Mine printer",
        assignee_technician_id=msp["tech"]["id"],
        priority="high",
    )
    team = await _task(
        client,
        keys.admin_h,
        customer_id=cid,
        title="Team thing",
        assignee_team_id=msp["team"]["id"],
    )
    await _task(
        client,
        keys.admin_h,
        customer_id=cid,
        title="Ben's",
        assignee_technician_id=msp["tech2"]["id"],
    )
    await _task(client, keys.admin_h, customer_id=msp["other"]["id"], title="Other printer")
    h = await keys.technician(msp["tech"]["id"])
    q = (await client.get("/api/v1/queue/me", headers=h)).json()
    assert {t["id"] for t in q["items"]} == {mine["id"], team["id"]}
    r = await client.get("/api/v1/tasks", params={"q": "printer"}, headers=h)
    assert {t["title"] for t in r.json()["items"]} == {"Mine printer", "Other printer"}
    r = await client.get(
        "/api/v1/tasks", params={"priority": "high", "customer_id": cid}, headers=h
    )
    assert [t["id"] for t in r.json()["items"]] == [mine["id"]]
    # default sort: nearest SLA due first; tasks without SLA last
    r = await client.get("/api/v1/tasks", headers=h)
    assert r.json()["items"][0]["id"] == mine["id"]
    assert r.json()["items"][-1]["title"] == "Other printer"
    assert (await client.get("/api/v1/queue/me", headers=keys.admin_h)).status_code == 400


async def test_cursor_pagination_no_duplicates_or_gaps_with_concurrent_inserts(
    client: AsyncTestClient, keys: Keys
) -> None:
    msp = await small_msp(client, keys.admin_h)
    cid = msp["other"]["id"]
    created = [await _task(client, keys.admin_h, customer_id=cid, title=f"t{i}") for i in range(23)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"sort": "created", "limit": 5}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/api/v1/tasks", params=params, headers=keys.admin_h)).json()
        seen.extend(t["id"] for t in page["items"])
        pages += 1
        if pages == 2:  # insert while paging: they sort after the cursor and must appear
            for i in range(3):
                created.append(await _task(client, keys.admin_h, customer_id=cid, title=f"n{i}"))
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [t["id"] for t in created]
    bad = await client.get("/api/v1/tasks", params={"cursor": "garbage!"}, headers=keys.admin_h)
    assert bad.status_code == 400


async def test_delete_customer_with_tasks_is_409(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    await _task(client, keys.admin_h, customer_id=msp["customer"]["id"], title="keep")
    r = await client.delete(f"/api/v1/customers/{msp['customer']['id']}", headers=keys.admin_h)
    assert r.status_code == 409
    r = await client.delete(f"/api/v1/customers/{msp['other']['id']}", headers=keys.admin_h)
    assert r.status_code == 204


async def test_unknown_references_are_400(client: AsyncTestClient, keys: Keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    r = await client.post(
        "/api/v1/tasks", json={"customer_id": 999, "title": "x"}, headers=keys.admin_h
    )
    assert r.status_code == 400 and "customer_id" in r.json()["detail"]
    r = await client.post(
        "/api/v1/tasks",
        json={"customer_id": msp["customer"]["id"], "title": "x", "priority": "urgent"},
        headers=keys.admin_h,
    )
    assert r.status_code == 400 and "priority" in r.text
