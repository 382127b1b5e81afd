"""An alert storm through the real webhook: 5,000 alerts, 50 devices, 3 customers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from rmm_http import PROM_TOKEN, bearer, get_json, post_alert, wait_processed

from hub.db.tables import Task
from plugins.rmm.tables import RmmAlert, RmmTask
from tests.hub.api.helpers import post, small_msp

DEVICES = 50
ALERTNAMES = 100  # x 50 devices = 5,000 distinct alerts
CUSTOMERS = ("acme", "globex", "initech")  # devices spread 17 / 17 / 16


def group_post(alertname: int) -> bytes:
    """One Alertmanager POST: one alert name firing on every device."""
    alerts = [
        {
            "status": "firing",
            "labels": {
                "alertname": f"Check{alertname:03d}",
                "instance": f"host{d:02d}.{CUSTOMERS[d % 3]}.lan:9100",
                "customer": CUSTOMERS[d % 3],
                "severity": "warning",
            },
            "annotations": {"summary": f"Check {alertname} failing on host{d:02d}"},
            "startsAt": "2026-12-03T18:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": f"{alertname:04x}{d:04x}",
        }
        for d in range(DEVICES)
    ]
    body: dict[str, Any] = {
        "receiver": "hub",
        "status": "firing",
        "alerts": alerts,
        "groupLabels": {"alertname": f"Check{alertname:03d}"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="Check{alertname:03d}"}}',
        "truncatedAlerts": 0,
    }
    return json.dumps(body).encode()


async def test_storm_of_5000_alerts_becomes_15_tasks(client, keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    initech = await post(client, "/api/v1/customers", {"name": "Initech"}, h)
    customer_ids = [msp["customer"]["id"], msp["other"]["id"], initech["id"]]
    bodies = [group_post(n) for n in range(ALERTNAMES)]
    for start in range(0, len(bodies), 10):  # ten concurrent senders
        answers = await asyncio.gather(
            *(post_alert(client, "prom", b, bearer(PROM_TOKEN)) for b in bodies[start : start + 10])
        )
        assert all(r.status_code == 202 for r in answers), [
            r.text for r in answers if r.status_code != 202
        ]
    await wait_processed(ALERTNAMES, timeout=180)

    assert await RmmAlert.count() == DEVICES * ALERTNAMES
    assert await RmmAlert.count().where(RmmAlert.task.is_null()) == 0
    # per customer: storm_devices - 1 = 4 device tasks, then one storm parent for the rest
    assert await Task.count() == 15
    for customer_id in customer_ids:
        parents = await RmmTask.select(RmmTask.task).where(
            (RmmTask.customer == customer_id) & (RmmTask.kind == "storm")
        )
        assert len(parents) == 1
        parent_id = parents[0]["task"]
        children = await Task.select(Task.id, Task.parent_task_id, Task.device).where(
            (Task.customer == customer_id) & (Task.id != parent_id)
        )
        assert len(children) == 4
        assert {c["parent_task_id"] for c in children} == {parent_id}
        parent = await get_json(client, f"/api/v1/tasks/{parent_id}", h)
        assert parent["priority"] == "high"  # a site outage: storm parents are at least high
        assert parent["title"].startswith("Alert storm at ")
    page = await get_json(client, "/api/v1/alerts", h, customer_id=customer_ids[0], limit=500)
    assert len(page["items"]) == 500 and page["next_cursor"] is not None
    following = await get_json(
        client,
        "/api/v1/alerts",
        h,
        customer_id=customer_ids[0],
        limit=500,
        cursor=page["next_cursor"],
    )
    assert {a["id"] for a in page["items"]}.isdisjoint({a["id"] for a in following["items"]})
