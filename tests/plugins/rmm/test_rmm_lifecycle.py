"""Dedup, grouping, resolve/reopen, flapping, maintenance and priority through the webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from rmm_http import body_of, generic_headers, get_json, post_alert, wait_processed

from hub.db.tables import Task
from hub.hookspecs import hookimpl
from plugins.rmm.tables import RmmIntake
from tests.hub.api.helpers import TARGETS, post, small_msp

_serial = count(1)


async def fire(
    client: Any, ident: str, device: str, customer: str = "Acme Corp", **extra: Any
) -> None:
    """Post one generic alert; every body differs (``seq``) so none is a bus duplicate."""
    alert = {
        "id": ident,
        "status": extra.pop("status", "firing"),
        "severity": extra.pop("severity", "high"),
        "title": extra.pop("title", f"Problem {ident}"),
        "device": device,
        "customer": customer,
        "labels": {"seq": str(next(_serial))},
        **extra,
    }
    before = await RmmIntake.count()
    raw = body_of(alert)
    r = await post_alert(client, "generic", raw, generic_headers(raw))
    assert r.status_code == 202, r.text
    await wait_processed(before + 1)


async def resolve(client: Any, ident: str, device: str, **extra: Any) -> None:
    await fire(client, ident, device, status="resolved", **extra)


async def alert_of(client: Any, h: dict[str, str], ident: str) -> dict[str, Any]:
    items = (await get_json(client, "/api/v1/alerts", h, source="generic", limit=500))["items"]
    (found,) = [a for a in items if a["fingerprint"] == ident]
    return found


async def task_of(client: Any, h: dict[str, str], task_id: int) -> dict[str, Any]:
    return await get_json(client, f"/api/v1/tasks/{task_id}", h)


async def notes(client: Any, h: dict[str, str], task_id: int) -> list[str]:
    return [m["body"] for m in await get_json(client, f"/api/v1/tasks/{task_id}/messages", h)]


async def test_repeats_update_one_alert_and_device_alerts_share_a_task(client, keys) -> None:
    h = keys.admin_h
    await small_msp(client, h)
    await fire(client, "a", "srv1")
    await fire(client, "a", "srv1")
    await fire(client, "b", "SRV1")  # host names are case-insensitive
    await fire(client, "c", "srv2")
    a, b, c = [await alert_of(client, h, x) for x in "abc"]
    assert (a["count"], a["last_action"]) == (2, "update_existing")
    assert b["task_id"] == a["task_id"] and b["last_action"] == "attach_to_device_task"
    assert c["task_id"] != a["task_id"]
    assert await Task.count() == 2
    assert any("Another alert on this device" in n for n in await notes(client, h, a["task_id"]))


async def test_resolve_leaves_a_technicians_task_open_with_a_note(client, keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    await fire(client, "disk", "fs1")
    task_id = (await alert_of(client, h, "disk"))["task_id"]
    tech_h = await keys.technician(msp["tech"]["id"])
    task = await task_of(client, h, task_id)
    r = await client.patch(
        f"/api/v1/tasks/{task_id}",
        json={"status": "in_progress", "version": task["version"]},
        headers=tech_h,
    )
    assert r.status_code == 200, r.text
    await resolve(client, "disk", "fs1")
    task = await task_of(client, h, task_id)
    assert task["status"] == "in_progress"
    assert (await alert_of(client, h, "disk"))["last_action"] == "note_only"
    assert any(
        "task left open (a technician is working" in n for n in await notes(client, h, task_id)
    )


async def test_refire_reopens_and_flapping_keeps_the_task_open(client, keys) -> None:
    h = keys.admin_h
    await small_msp(client, h)
    await fire(client, "ping", "gw1")
    task_id = (await alert_of(client, h, "ping"))["task_id"]
    await resolve(client, "ping", "gw1")
    assert (await task_of(client, h, task_id))["status"] == "resolved"
    await fire(client, "ping", "gw1")
    assert (await task_of(client, h, task_id))["status"] == "open"
    assert (await alert_of(client, h, "ping"))["last_action"] == "reopen_task"
    await resolve(client, "ping", "gw1")
    await fire(client, "ping", "gw1")  # 4th change within the flap window
    alert = await alert_of(client, h, "ping")
    assert (alert["flapping"], alert["last_action"]) == (True, "reopen_task")
    await resolve(client, "ping", "gw1")
    alert = await alert_of(client, h, "ping")
    assert (alert["last_action"], alert["count"]) == ("note_only", 6)
    assert (await task_of(client, h, task_id))["status"] == "open"
    assert await Task.count() == 1
    bodies = await notes(client, h, task_id)
    # noted once when it starts, not on every change
    assert sum(b.startswith("Alert is flapping") for b in bodies) == 1
    assert bodies[-1].startswith("Alert resolved, task left open (alert is flapping")


class MaintenanceCalendar:
    """A stand-in for the calendar plugin: maintenance windows as dicts and objects."""

    def __init__(self, customer_id: int, device_window_customer: int) -> None:
        self.customer_id = customer_id
        self.device_window_customer = device_window_customer
        self.calls: list[dict[str, Any]] = []
        self.extra: list[Any] = []  # events in the calendar plugin's own shape

    @hookimpl
    async def hub_calendar_events(self, range: Any, filters: dict[str, Any]) -> list[Any]:
        self.calls.append(filters)
        now = datetime.now(UTC)
        events: list[Any] = []
        if filters["customer_id"] == self.customer_id:
            events.append(
                {
                    "start": now - timedelta(hours=1),
                    "end": now + timedelta(hours=1),
                    "customer_id": self.customer_id,
                    "title": "Patch night",
                }
            )
        if filters["customer_id"] == self.device_window_customer:
            events.append(
                type(
                    "Event",
                    (),
                    {
                        "start": now - timedelta(hours=1),
                        "end": now + timedelta(hours=1),
                        "customer_id": self.device_window_customer,
                        "device": "NAS9",
                        "title": "NAS firmware",
                    },
                )()
            )
        return events + [e for e in self.extra if e["customer_id"] == filters["customer_id"]]


async def test_maintenance_window_records_the_alert_but_opens_no_task(hub, client, keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    calendar = MaintenanceCalendar(msp["customer"]["id"], msp["other"]["id"])
    hub.pm.register(calendar, name="test-maintenance-calendar")
    r = await client.post(
        "/api/v1/devices", json={"hostname": "db7", "customer_id": msp["other"]["id"]}, headers=h
    )
    now = datetime.now(UTC)
    calendar.extra.append(
        {
            "kind": "maintenance",
            "start": now - timedelta(minutes=5),
            "end": now + timedelta(hours=1),
            "customer_id": msp["other"]["id"],
            "title": "DB upgrade",
            "meta": {"devices": [r.json()["id"]]},
        }
    )
    await fire(client, "m4", "DB7", customer="Globex")  # listed by device id (calendar plugin form)
    await fire(client, "m1", "srv1")
    await fire(client, "m2", "nas9", customer="Globex")  # the device's own window
    await fire(client, "m3", "web1", customer="Globex")  # Globex, other device: no window
    m1, m2, m3 = [await alert_of(client, h, x) for x in ("m1", "m2", "m3")]
    assert (m1["last_action"], m1["task_id"]) == ("suppress_maintenance", None)
    assert m1["last_reason"] == "maintenance window: Patch night"
    assert (m2["last_action"], m2["task_id"]) == ("suppress_maintenance", None)
    assert m3["last_action"] == "create_task"
    m4 = await alert_of(client, h, "m4")
    assert (m4["last_action"], m4["last_reason"]) == (
        "suppress_maintenance",
        "maintenance window: DB upgrade",
    )
    assert await Task.count() == 1
    assert calendar.calls[0]["kinds"] == ["maintenance"]


async def test_priority_follows_severity_raised_to_the_tier_floor(client, keys) -> None:
    h = keys.admin_h
    await small_msp(client, h)
    tier = await post(
        client,
        "/api/v1/sla-tiers",
        {"name": "Platinum", "targets": TARGETS, "priority_floor": "high"},
        h,
    )
    await post(client, "/api/v1/customers", {"name": "Initech", "sla_tier_id": tier["id"]}, h)
    await fire(client, "i1", "pc1", customer="initech", severity="info")
    await fire(client, "i2", "pc2", customer="Acme Corp", severity="info")
    t1 = await task_of(client, h, (await alert_of(client, h, "i1"))["task_id"])
    t2 = await task_of(client, h, (await alert_of(client, h, "i2"))["task_id"])
    assert (t1["priority"], t2["priority"]) == ("high", "low")
    assert (t1["source"], t1["source_ref"]) == ("rmm", "i1")
