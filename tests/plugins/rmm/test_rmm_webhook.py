"""The webhook end to end: each format through HTTP, the bus and the consumer to tasks."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from rmm_http import (
    DATTO_TOKEN,
    GRAFANA_SECRET,
    KUMA_TOKEN,
    PROM_TOKEN,
    TACTICAL_TOKEN,
    ZABBIX_TOKEN,
    bearer,
    body_of,
    generic_headers,
    get_json,
    hmac_headers,
    post_alert,
    wait_processed,
)
from rmm_testdata import captured_post
from test_rmm_grafana import UNIFIED
from test_rmm_tacticalrmm import CHECK_FAILURE
from test_rmm_uptimekuma import DOWN, UP
from test_rmm_zabbix import PROBLEM, RECOVERY

from hub.db.tables import Device, Task
from plugins.rmm.tables import RmmAlert
from tests.hub.api.helpers import small_msp


async def _tasks(h: dict[str, str], client: Any, **params: Any) -> list[dict[str, Any]]:
    """The RMM tasks in full (the queue rows leave out ``source_ref`` and the description)."""
    page = await get_json(client, "/api/v1/tasks", h, source="rmm", limit=200, **params)
    ids = sorted(t["id"] for t in page["items"])
    return [await get_json(client, f"/api/v1/tasks/{i}", h) for i in ids]


async def test_alertmanager_captured_posts_open_and_resolve_tasks(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    for n in range(1, 6):
        body, headers = captured_post(n)
        raw = json.dumps(body).encode()
        headers = {**headers, "Authorization": f"Bearer {PROM_TOKEN}"}
        headers.pop("Content-Length")
        r = await post_alert(client, "prom", raw, headers)
        assert r.status_code == 202, r.text
        assert r.json()["accepted"] == len(body["alerts"])
    await wait_processed(5)

    tasks = await _tasks(keys.admin_h, client)
    assert [(t["title"], t["priority"], t["status"]) for t in tasks] == [
        ("Disk C: below 5% free on dc01", "critical", "resolved"),
        ("Disk C: below 10% free on fs01", "normal", "resolved"),
        ("Firewall fw01 unreachable", "critical", "resolved"),
    ]
    acme, globex = msp["customer"]["id"], msp["other"]["id"]
    assert [t["customer_id"] for t in tasks] == [acme, acme, globex]
    assert {t["source_ref"] for t in tasks} == {
        "f99f1b64fd4cbf1b",
        "54796278c83e98a8",
        "c987d427bce2f291",
    }
    # the SLA clock started when the problem started, not when the hub saw it
    assert tasks[0]["arrived_at"].startswith("2026-12-03T18:13:13")

    alerts = (await get_json(client, "/api/v1/alerts", keys.admin_h))["items"]
    counts = {a["fingerprint"]: (a["count"], a["status"], a["last_action"]) for a in alerts}
    assert counts == {
        "f99f1b64fd4cbf1b": (2, "resolved", "resolve_task"),
        "54796278c83e98a8": (3, "resolved", "resolve_task"),
        "c987d427bce2f291": (2, "resolved", "resolve_task"),
    }
    devices = (await get_json(client, "/api/v1/devices", keys.admin_h))["items"]
    assert sorted((d["hostname"], d["customer_id"]) for d in devices) == [
        ("dc01.acme.local", acme),
        ("fs01.acme.local", acme),
        ("fw01.globex.lan", globex),
    ]


async def test_grafana_signed_post_uses_source_default_customer(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    raw = body_of(UNIFIED)
    r = await post_alert(
        client, "grafana", raw, hmac_headers(GRAFANA_SECRET, raw, "X-Grafana-Signature")
    )
    assert r.status_code == 202, r.text
    await wait_processed(1)
    (task,) = await _tasks(keys.admin_h, client)
    assert task["customer_id"] == msp["other"]["id"]
    assert task["title"] == "This alert was triggered for zone us-1"
    alerts = (await get_json(client, "/api/v1/alerts", keys.admin_h, source="grafana"))["items"]
    # the resolved alert was never seen firing: recorded, no task
    assert sorted((a["status"], a["last_action"], a["task_id"] is None) for a in alerts) == [
        ("firing", "create_task", False),
        ("resolved", "record_only", True),
    ]


async def test_tactical_check_failure_and_resolve(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    h = {"X-Atlas-Token": TACTICAL_TOKEN, "Content-Type": "application/json"}
    assert (await post_alert(client, "tactical", body_of(CHECK_FAILURE), h)).status_code == 202
    resolved = {**CHECK_FAILURE, "event": "resolve", "resolved_on": "2026-12-03 18:30:00+00:00"}
    assert (await post_alert(client, "tactical", body_of(resolved), h)).status_code == 202
    await wait_processed(2)
    (task,) = await _tasks(keys.admin_h, client)
    assert task["customer_id"] == msp["customer"]["id"]  # "Acme Ltd" via the source mapping
    assert task["priority"] == "high"  # Tactical "error"
    assert task["status"] == "resolved"
    assert task["title"] == "DC01: Disk Space Drive C: > 90%"
    device = await Device.select().where(Device.hostname == "dc01").first()
    assert device["agent_id"] == CHECK_FAILURE["agent_id"]
    assert device["site"] == "Head Office"
    assert task["device_id"] == device["id"]


async def test_zabbix_problem_and_recovery(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    for payload in (PROBLEM, RECOVERY):
        assert (
            await post_alert(client, "zabbix", body_of(payload), bearer(ZABBIX_TOKEN))
        ).status_code == 202
    await wait_processed(2)
    (task,) = await _tasks(keys.admin_h, client)
    assert (task["customer_id"], task["priority"], task["status"]) == (
        msp["other"]["id"],
        "high",
        "resolved",
    )


async def test_uptime_kuma_down_and_up(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    h = {"X-Atlas-Token": KUMA_TOKEN, "Content-Type": "application/json"}
    assert (await post_alert(client, "kuma", body_of(DOWN), h)).status_code == 202
    await wait_processed(1)
    (task,) = await _tasks(keys.admin_h, client)
    assert (task["customer_id"], task["status"]) == (msp["customer"]["id"], "open")
    assert (await post_alert(client, "kuma", body_of(UP), h)).status_code == 202
    await wait_processed(2)
    (task,) = await _tasks(keys.admin_h, client)
    assert task["status"] == "resolved"


async def test_generic_recommended_format_with_timestamped_signature(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    raw = body_of(
        {
            "alerts": [
                {
                    "id": "backup-acme-nas01",
                    "status": "firing",
                    "severity": "critical",
                    "title": "Backup job failed",
                    "device": "NAS01",
                    "customer": "acme corp",
                    "starts_at": "2026-12-03T18:00:00Z",
                }
            ]
        }
    )
    r = await post_alert(client, "generic", raw, generic_headers(raw))
    assert r.status_code == 202, r.text
    await wait_processed(1)
    (task,) = await _tasks(keys.admin_h, client)
    assert task["title"] == "nas01: Backup job failed"
    assert (task["customer_id"], task["priority"]) == (msp["customer"]["id"], "critical")
    assert task["arrived_at"].startswith("2026-12-03T18:00:00")


async def test_datto_style_body_through_field_mapping(client, keys) -> None:
    msp = await small_msp(client, keys.admin_h)
    datto = {
        "alertUid": "6a1f-datto",
        "state": "open",
        "priority": "High",
        "alertMessage": "CPU above 95% for 15 minutes",
        "timestamp": int(time.time() * 1000) - 60_000,
        "device": {"hostname": "WS-0042"},
        "site": {"name": "Branch", "customer": "Globex"},
    }
    assert (
        await post_alert(client, "datto", body_of(datto), bearer(DATTO_TOKEN))
    ).status_code == 202
    closed = {**datto, "state": "closed"}
    assert (
        await post_alert(client, "datto", body_of(closed), bearer(DATTO_TOKEN))
    ).status_code == 202
    await wait_processed(2)
    (task,) = await _tasks(keys.admin_h, client)
    assert (task["customer_id"], task["priority"], task["status"]) == (
        msp["other"]["id"],
        "high",
        "resolved",
    )
    assert task["source_ref"] == "6a1f-datto"


async def test_unmapped_alert_is_stored_without_customer_and_listed(client, keys) -> None:
    await small_msp(client, keys.admin_h)
    raw = body_of(
        {
            "id": "x1",
            "status": "firing",
            "severity": "warning",
            "title": "Odd",
            "customer": "nobody",
        }
    )
    assert (await post_alert(client, "generic", raw, generic_headers(raw))).status_code == 202
    await wait_processed(1)
    assert await Task.count() == 0
    page = await get_json(client, "/api/v1/alerts", keys.admin_h, unmapped="true")
    ((alert),) = page["items"]
    assert (alert["customer_id"], alert["task_id"], alert["last_action"]) == (
        None,
        None,
        "record_only",
    )
    assert alert["last_reason"] == "no customer mapped"


async def _stored_nothing(hub) -> None:
    info = await hub.bus.js.stream_info("HUB_IN")
    assert info.state.messages == 0
    assert await RmmAlert.count() == 0
    assert await Task.count() == 0


BAD_CREDENTIALS = [
    ("prom", {}, "missing bearer token"),
    ("prom", {"Authorization": "Bearer wrong"}, "token does not match"),
    ("grafana", {"X-Grafana-Signature": "sha256=" + "0" * 64}, "does not match the body"),
    ("grafana", {}, "missing X-Grafana-Signature header"),
    ("tactical", {"X-Atlas-Token": PROM_TOKEN}, "token does not match"),
    ("generic", {"X-Timestamp": "1000000000", "X-Signature": "00"}, "from now"),
]


async def test_bad_credentials_are_refused_with_nothing_stored(hub, client) -> None:
    raw = body_of({"status": "firing", "title": "x", "version": "4", "alerts": []})
    for source, headers, reason in BAD_CREDENTIALS:
        r = await post_alert(client, source, raw, headers)
        assert r.status_code == 401, (source, r.text)
        assert reason in r.json()["detail"], (source, r.text)
    # a correct signature over a different body is still refused
    signed = hmac_headers(GRAFANA_SECRET, b"{}", "X-Grafana-Signature")
    assert (await post_alert(client, "grafana", raw, signed)).status_code == 401
    await _stored_nothing(hub)


async def test_malformed_bodies_are_refused_naming_the_problem(hub, client) -> None:
    r = await post_alert(client, "prom", b'{"version": "4", "alerts": [', bearer(PROM_TOKEN))
    assert r.status_code == 400
    assert r.json()["detail"].startswith("body is not valid JSON")
    body, _ = captured_post(1)
    body["alerts"][1]["startsAt"] = "yesterday"
    r = await post_alert(client, "prom", body_of(body), bearer(PROM_TOKEN))
    assert r.status_code == 400
    assert (
        r.json()["detail"]
        == "alertmanager payload: alerts[1].startsAt: not an RFC 3339 time ('yesterday')"
    )
    assert r.json()["extra"]["field"] == "alerts[1].startsAt"
    await _stored_nothing(hub)


async def test_replayed_request_is_an_idempotent_duplicate(hub, client, keys) -> None:
    await small_msp(client, keys.admin_h)
    raw = body_of(
        {
            "id": "r1",
            "status": "firing",
            "severity": "high",
            "title": "Replay",
            "customer": "Acme Corp",
        }
    )
    headers = generic_headers(raw)
    first = await post_alert(client, "generic", raw, headers)
    second = await post_alert(client, "generic", raw, headers)
    assert (first.status_code, first.json()["duplicate"]) == (202, False)
    assert (second.status_code, second.json()["duplicate"]) == (202, True)
    assert first.json()["key"] == second.json()["key"]
    await wait_processed(1)
    info = await hub.bus.js.stream_info("HUB_IN")
    assert info.state.messages == 1
    (alert,) = (await get_json(client, "/api/v1/alerts", keys.admin_h))["items"]
    assert alert["count"] == 1
    assert await Task.count() == 1


async def test_unknown_source_and_oversized_body(client) -> None:
    r = await post_alert(client, "nope", b"{}", bearer(PROM_TOKEN))
    assert r.status_code == 404
    r = await post_alert(client, "prom", b"[" + b"1," * 600_000 + b"1]", bearer(PROM_TOKEN))
    assert r.status_code == 413


async def test_webhook_answers_503_when_the_bus_is_down(hub, client, keys) -> None:
    await small_msp(client, keys.admin_h)
    raw = body_of(
        {
            "id": "d1",
            "status": "firing",
            "severity": "high",
            "title": "Down",
            "customer": "Acme Corp",
        }
    )
    await hub.nats.stop()
    try:
        r = await post_alert(client, "generic", raw, generic_headers(raw))
    finally:
        await hub.nats.start()
    for _ in range(200):
        if hub.bus.connected:
            break
        await asyncio.sleep(0.05)
    assert r.status_code == 503
    assert await RmmAlert.count() == 0
    # refused before being queued, so the sender's retry is not mistaken for a replay
    r = await post_alert(client, "generic", raw, generic_headers(raw))
    assert r.status_code == 202 and not r.json()["duplicate"], r.text
    await wait_processed(1)
    assert await Task.count() == 1
