"""Projects and milestones through the API: CRUD, tasks under milestones, progress."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from httpx import AsyncClient

from tests.conftest import Keys


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


async def test_project_milestones_tasks_and_progress(client: AsyncClient, keys: Keys) -> None:
    h = keys.admin_h
    customer = await _ok(
        await client.post("/api/v1/customers", json={"name": "Acme"}, headers=h), 201
    )
    other = await _ok(
        await client.post("/api/v1/customers", json={"name": "Globex"}, headers=h), 201
    )
    tech = await _ok(
        await client.post(
            "/api/v1/technicians", json={"name": "Ann", "email": "ann@msp.example"}, headers=h
        ),
        201,
    )
    project = await _ok(
        await client.post(
            "/api/v1/projects",
            json={
                "customer_id": customer["id"],
                "name": "Office move",
                "billing_mode": "time_and_materials",
                "budget_hours": "2",
                "status": "active",
            },
            headers=h,
        ),
        201,
    )
    assert project["progress"]["percent"] == 0
    assert project["progress"]["indicator"]["state"] == "not_started"
    pid = project["id"]
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    late = await _ok(
        await client.post(
            f"/api/v1/projects/{pid}/milestones",
            json={"name": "Cabling", "target_date": yesterday},
            headers=h,
        ),
        201,
    )
    later = await _ok(
        await client.post(
            f"/api/v1/projects/{pid}/milestones",
            json={
                "name": "Switch-over",
                "target_date": (date.today() + timedelta(days=60)).isoformat(),
            },
            headers=h,
        ),
        201,
    )
    assert (late["position"], later["position"]) == (0, 1)
    # a fee only exists on fixed fee per milestone projects
    r = await client.patch(
        f"/api/v1/projects/{pid}/milestones/{later['id']}", json={"fee": "10"}, headers=h
    )
    assert r.status_code == 400 and "fee" in r.json()["detail"]

    async def task(title: str, milestone: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"customer_id": customer["id"], "title": title}
        if milestone:
            body["milestone_id"] = milestone
        return await _ok(await client.post("/api/v1/tasks", json=body, headers=h), 201)

    t1 = await task("Pull cables", late["id"])
    t2 = await task("Patch panel")
    # assign through PATCH /tasks/{id}; the milestone must exist and be the customer's
    r = await client.patch(
        f"/api/v1/tasks/{t2['id']}",
        json={"milestone_id": 999_999, "version": t2["version"]},
        headers=h,
    )
    assert r.status_code == 400 and "milestone 999999 does not exist" in r.json()["detail"]
    foreign = await _ok(
        await client.post(
            "/api/v1/projects", json={"customer_id": other["id"], "name": "Other"}, headers=h
        ),
        201,
    )
    fm = await _ok(
        await client.post(
            f"/api/v1/projects/{foreign['id']}/milestones", json={"name": "x"}, headers=h
        ),
        201,
    )
    r = await client.patch(
        f"/api/v1/tasks/{t2['id']}",
        json={"milestone_id": fm["id"], "version": t2["version"]},
        headers=h,
    )
    assert r.status_code == 400 and "another customer" in r.json()["detail"]
    t2 = await _ok(
        await client.patch(
            f"/api/v1/tasks/{t2['id']}",
            json={"milestone_id": late["id"], "version": t2["version"]},
            headers=h,
        )
    )
    assert t2["milestone_id"] == late["id"]
    # t1 resolved; t2 has a checklist half done; 150 minutes logged against a 2 h budget
    for status in ("in_progress", "resolved"):
        current = await _ok(await client.get(f"/api/v1/tasks/{t1['id']}", headers=h))
        await _ok(
            await client.patch(
                f"/api/v1/tasks/{t1['id']}",
                json={"status": status, "version": current["version"]},
                headers=h,
            )
        )
    for text in ("a", "b"):
        checklist = await _ok(
            await client.post(
                f"/api/v1/tasks/{t2['id']}/checklist", json={"text": text}, headers=h
            ),
            201,
        )
    await _ok(
        await client.patch(
            f"/api/v1/tasks/{t2['id']}/checklist/{checklist['items'][0]['id']}",
            json={"done": True},
            headers=h,
        )
    )
    await _ok(
        await client.post(
            f"/api/v1/tasks/{t1['id']}/time",
            json={
                "technician_id": tech["id"],
                "started_at": "2026-05-06T09:00:00Z",
                "minutes": 150,
            },
            headers=h,
        ),
        201,
    )
    milestone = await _ok(
        await client.get(f"/api/v1/projects/{pid}/milestones/{late['id']}", headers=h)
    )
    p = milestone["progress"]
    assert (p["tasks_total"], p["tasks_done"]) == (2, 1)
    assert (p["checklist_total"], p["checklist_done"]) == (2, 1)
    assert p["hours_logged"] == "2.50"
    assert p["percent"] == 75  # 1 done task + half of the other
    assert p["overdue"] is True and p["indicator"]["state"] == "overdue"
    assert p["indicator"]["colour"] == "#c62828"
    assert p["indicator"]["label"] == "1/2 tasks, 75% - overdue"
    progress = await _ok(await client.get(f"/api/v1/projects/{pid}/progress", headers=h))
    assert progress["budget_hours"] == "2" and progress["budget_used_percent"] == 125
    assert progress["over_budget"] is True
    assert progress["overdue"] is True  # a late milestone makes the project late
    tasks = await _ok(
        await client.get(f"/api/v1/projects/{pid}/milestones/{late['id']}/tasks", headers=h)
    )
    assert [(t["title"], t["minutes_logged"]) for t in tasks] == [
        ("Pull cables", 150),
        ("Patch panel", 0),
    ]
    # completing the milestone: 100 %, done, no longer overdue
    done = await _ok(
        await client.patch(
            f"/api/v1/projects/{pid}/milestones/{late['id']}", json={"completed": True}, headers=h
        )
    )
    assert done["completed"] is True and done["progress"]["percent"] == 100
    assert done["progress"]["indicator"]["state"] == "done"
    # listing, filtering, deleting
    listed = await _ok(
        await client.get("/api/v1/projects", params={"customer_id": customer["id"]}, headers=h)
    )
    assert [x["id"] for x in listed] == [pid]
    await _ok(
        await client.delete(f"/api/v1/projects/{pid}/milestones/{later['id']}", headers=h), 204
    )
    await _ok(await client.delete(f"/api/v1/projects/{pid}", headers=h), 204)
    assert (await client.get(f"/api/v1/projects/{pid}", headers=h)).status_code == 404
    unlinked = await _ok(await client.get(f"/api/v1/tasks/{t1['id']}", headers=h))
    assert unlinked["milestone_id"] is None


async def test_fixed_fee_terms_and_status_rules(client: AsyncClient, keys: Keys) -> None:
    h = keys.admin_h
    customer = await _ok(
        await client.post("/api/v1/customers", json={"name": "Acme"}, headers=h), 201
    )
    base = {
        "customer_id": customer["id"],
        "name": "Firewall",
        "billing_mode": "fixed_fee_milestones",
    }
    r = await client.post("/api/v1/projects", json={**base, "status": "active"}, headers=h)
    assert r.status_code == 400 and "contract value" in r.json()["detail"]
    r = await client.post("/api/v1/projects", json={**base, "contract_value": 1000}, headers=h)
    assert r.status_code == 400  # money is a decimal string, never a JSON number
    project = await _ok(
        await client.post(
            "/api/v1/projects", json={**base, "contract_value": "1000.00"}, headers=h
        ),
        201,
    )
    pid = project["id"]
    for name, fee in (("Design", "400.00"), ("Install", "500.00")):
        await _ok(
            await client.post(
                f"/api/v1/projects/{pid}/milestones", json={"name": name, "fee": fee}, headers=h
            ),
            201,
        )
    got = await _ok(await client.get(f"/api/v1/projects/{pid}", headers=h))
    assert got["fee_check"] == {
        "contract_value": "1000.00",
        "fees_total": "900.00",
        "difference": "100.00",
        "milestones_without_fee": [],
        "ok": False,
    }
    r = await client.patch(f"/api/v1/projects/{pid}", json={"status": "active"}, headers=h)
    assert r.status_code == 400 and "add up to 900.00" in r.json()["detail"]
    install = got["milestones"][1]
    await _ok(
        await client.patch(
            f"/api/v1/projects/{pid}/milestones/{install['id']}", json={"fee": "600.00"}, headers=h
        )
    )
    active = await _ok(
        await client.patch(f"/api/v1/projects/{pid}", json={"status": "active"}, headers=h)
    )
    assert active["status"] == "active" and active["fee_check"]["ok"] is True
    r = await client.patch(f"/api/v1/projects/{pid}", json={"status": "planned"}, headers=h)
    assert r.status_code == 409 and "active project can become" in r.json()["detail"]
    completed = await _ok(
        await client.patch(
            f"/api/v1/projects/{pid}",
            json={"status": "completed", "completed_on": "2026-05-20"},
            headers=h,
        )
    )
    assert completed["completed_on"] == "2026-05-20"
    assert completed["progress"]["indicator"]["state"] == "done"
    r = await client.post("/api/v1/projects", json={"customer_id": 999, "name": "x"}, headers=h)
    assert r.status_code == 400 and "customer 999 does not exist" in r.json()["detail"]
