"""New alert tasks land in the queue triage picks; the alert's own priority stands."""

from __future__ import annotations

import json
from typing import Any

from rmm_http import PROM_TOKEN, get_json, post_alert, wait_processed
from rmm_testdata import captured_post

from plugins.triage.tables import TriageRecord
from tests.hub.api.helpers import post, small_msp


async def _post_captured(client: Any, n: int) -> None:
    body, headers = captured_post(n)
    headers = {**headers, "Authorization": f"Bearer {PROM_TOKEN}"}
    headers.pop("Content-Length")
    r = await post_alert(client, "prom", json.dumps(body).encode(), headers)
    assert r.status_code == 202, r.text


async def test_disk_alert_task_is_routed_to_the_hardware_team_technician(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    desk = await post(
        client,
        "/api/v1/teams",
        {"name": "Service Desk", "member_ids": [msp["tech2"]["id"]]},
        keys.admin_h,
    )
    # the shipped model reads a full disk as Hardware, which the default map sends to
    # the Service Desk
    await _post_captured(client, 1)
    await wait_processed(1)
    page = await get_json(client, "/api/v1/tasks", keys.admin_h, source="rmm", limit=200)
    disk = [t for t in page["items"] if t["title"] == "Disk C: below 5% free on dc01"]
    assert len(disk) == 1, page["items"]
    task = disk[0]
    assert task["assignee_team_id"] == desk["id"]
    assert task["assignee_technician_id"] == msp["tech2"]["id"]
    assert task["priority"] == "critical"  # from the alert's severity, not from triage
    record = await TriageRecord.select().where(TriageRecord.task == task["id"]).first()
    assert record is not None and record["team"] == "Service Desk"


async def test_alert_task_without_a_matching_team_is_left_unassigned(client, keys) -> None:
    await small_msp(client, keys.admin_h)  # only a "Desk" team: no category maps to it
    await _post_captured(client, 1)
    await wait_processed(1)
    page = await get_json(client, "/api/v1/tasks", keys.admin_h, source="rmm", limit=200)
    assert page["items"], "no task was created"
    for task in page["items"]:
        assert task["assignee_team_id"] is None and task["assignee_technician_id"] is None
