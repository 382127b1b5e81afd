"""The breach monitor publishes each warning and breach once, across restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

from hub.app import create_app
from hub.contracts import SlaEvent
from hub.hookspecs import hookimpl
from hub.runtime import Hub
from hub.services import apikeys
from hub.services.sla_monitor import BreachMonitor
from tests.conftest import Keys, make_settings
from tests.hub.api.helpers import post, small_msp


async def _sla_events(url: str) -> list[dict[str, Any]]:
    """Every SLA event JetStream holds (what subscribers on other processes would see)."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.pull_subscribe(
        "hub.evt.sla.>", config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL)
    )
    out: list[dict[str, Any]] = []
    while True:
        try:
            msgs = await sub.fetch(100, timeout=0.5)
        except Exception:
            break
        out.extend(msgspec.json.decode(m.data) for m in msgs)
    await nc.close()
    return out


class Recorder:
    def __init__(self) -> None:
        self.events: list[SlaEvent] = []

    @hookimpl
    def hub_sla_event(self, event: SlaEvent) -> None:
        self.events.append(event)


async def _make_task(client: httpx.AsyncClient, h: dict[str, str], minutes_ago: int) -> dict:
    msp = await small_msp(client, h)
    arrived = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    # Gold/high in the helper tier: first response 60 min, resolution 480 min, 24x7
    return await post(
        client,
        "/api/v1/tasks",
        {
            "customer_id": msp["customer"]["id"],
            "title": "slow",
            "priority": "high",
            "arrived_at": arrived.isoformat(),
        },
        h,
    )


async def test_warning_then_breach_published_once_each(
    hub: Hub, client: httpx.AsyncClient, keys: Keys
) -> None:
    recorder = Recorder()
    hub.pm.register(recorder, name="recorder")
    task = await _make_task(client, keys.admin_h, minutes_ago=50)  # past 75% of 60 min
    monitor = BreachMonitor(hub)
    now = datetime.now(UTC)
    assert await monitor.tick(now) == 1
    assert await monitor.tick(now) == 0  # no duplicate
    assert [(e.kind, e.clock) for e in recorder.events] == [("warning", "first_response")]
    later = now + timedelta(minutes=11)  # past the 60-minute first-response target
    assert await monitor.tick(later) == 1
    assert await monitor.tick(later) == 0
    assert [(e.kind, e.clock) for e in recorder.events] == [
        ("warning", "first_response"),
        ("breached", "first_response"),
    ]
    assert recorder.events[1].task_id == task["id"]
    on_bus = await _sla_events(hub.nats_url)
    assert [(e["kind"], e["clock"]) for e in on_bus] == [
        ("warning", "first_response"),
        ("breached", "first_response"),
    ]


async def test_met_clock_publishes_nothing(hub: Hub, client: httpx.AsyncClient, keys: Keys) -> None:
    recorder = Recorder()
    hub.pm.register(recorder, name="recorder")
    task = await _make_task(client, keys.admin_h, minutes_ago=10)
    await post(
        client,
        f"/api/v1/tasks/{task['id']}/messages",
        {"body": "on it", "kind": "public_comment"},
        keys.admin_h,
    )
    monitor = BreachMonitor(hub)
    assert await monitor.tick(datetime.now(UTC) + timedelta(hours=2)) == 0
    assert recorder.events == []


async def test_paused_clock_does_not_breach(
    hub: Hub, client: httpx.AsyncClient, keys: Keys
) -> None:
    task = await _make_task(client, keys.admin_h, minutes_ago=30)
    r = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"status": "waiting_on_customer", "version": task["version"]},
        headers=keys.admin_h,
    )
    assert r.status_code == 200
    monitor = BreachMonitor(hub)
    # first response is still running (pauses only stop resolution when configured);
    # the resolution clock is paused, so no resolution notice even far in the future
    await monitor.tick(datetime.now(UTC) + timedelta(days=3))
    on_bus = await _sla_events(hub.nats_url)
    assert {e["clock"] for e in on_bus} <= {"first_response"}


async def test_notices_survive_restart_and_catch_up_after_downtime(
    tmp_path: Path, database_url: str | None
) -> None:
    # role "web": no background monitor of the hub's own races the explicit ticks
    settings = make_settings(tmp_path / "home", database_url, role="web")
    hub = Hub(settings)
    await hub.start()
    try:
        admin = Keys.header((await apikeys.create_key("admin", "a")).key)
        transport = httpx.ASGITransport(app=create_app(hub=hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await _make_task(client, admin, minutes_ago=50)
        assert await BreachMonitor(hub).tick(datetime.now(UTC)) == 1  # warning
    finally:
        await hub.stop()
    # "downtime": the breach moment passes while the hub is down
    hub = Hub(settings)
    await hub.start()
    try:
        recorder = Recorder()
        hub.pm.register(recorder, name="recorder")
        monitor = BreachMonitor(hub)
        later = datetime.now(UTC) + timedelta(minutes=15)
        assert await monitor.tick(later) == 1
        assert [e.kind for e in recorder.events] == ["breached"]  # warning not repeated
        on_bus = await _sla_events(hub.nats_url)
        assert [e["kind"] for e in on_bus] == ["warning", "breached"]
    finally:
        await hub.stop()


async def test_background_monitor_runs_on_its_own(tmp_path: Path, database_url: str | None) -> None:
    hub = Hub(make_settings(tmp_path / "home", database_url))
    await hub.start()
    try:
        admin = Keys.header((await apikeys.create_key("admin", "a")).key)
        transport = httpx.ASGITransport(app=create_app(hub=hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await _make_task(client, admin, minutes_ago=70)  # already breached
        for _ in range(100):
            events = await _sla_events(hub.nats_url)
            if len(events) >= 2:
                break
            await asyncio.sleep(0.2)
        assert sorted(e["kind"] for e in events) == ["breached", "warning"]
    finally:
        await hub.stop()


async def test_at_risk_and_report(hub: Hub, client: httpx.AsyncClient, keys: Keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    cid = msp["customer"]["id"]
    now = datetime.now(UTC)
    late = await post(
        client,
        "/api/v1/tasks",
        {
            "customer_id": cid,
            "title": "late",
            "priority": "critical",
            "arrived_at": (now - timedelta(minutes=30)).isoformat(),
        },
        h,
    )
    fresh = await post(
        client, "/api/v1/tasks", {"customer_id": cid, "title": "fresh", "priority": "low"}, h
    )
    answered = await post(
        client, "/api/v1/tasks", {"customer_id": cid, "title": "answered", "priority": "high"}, h
    )
    await post(
        client,
        f"/api/v1/tasks/{answered['id']}/messages",
        {"body": "hi", "kind": "public_comment"},
        h,
    )
    risk = (await client.get("/api/v1/sla/at-risk", headers=h)).json()
    assert next(r["task_id"] for r in risk) == late["id"]
    assert risk[0]["clock"] == "first_response" and risk[0]["remaining_seconds"] < 0
    assert fresh["id"] in [r["task_id"] for r in risk]
    report = (
        await client.get(
            "/api/v1/sla/report",
            params={
                "from": (now - timedelta(days=1)).isoformat(),
                "to": (now + timedelta(days=1)).isoformat(),
                "customer": cid,
            },
            headers=h,
        )
    ).json()
    rows = {r["priority"]: r for r in report}
    assert rows["critical"]["first_response_breached"] == 1
    assert rows["critical"]["first_response_met_pct"] == 0.0
    assert rows["high"]["first_response_met"] == 1
    assert rows["high"]["first_response_met_pct"] == 100.0
    assert rows["low"]["first_response_met_pct"] is None  # still running on time
    assert all(r["tier"] == "Gold" for r in report)
    bad = await client.get(
        "/api/v1/sla/report",
        params={"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()},
        headers=h,
    )
    assert bad.status_code == 400


async def test_business_hours_calendar_sets_due_times(
    hub: Hub, client: httpx.AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    cal = await post(
        client,
        "/api/v1/business-calendars",
        {
            "name": "Berlin office",
            "spec": {
                "timezone": "Europe/Berlin",
                "weekly": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            },
        },
        h,
    )
    targets = {
        p: {"first_response_minutes": 60, "resolution_minutes": 480, "coverage": "business_hours"}
        for p in ("high", "normal", "low")
    }
    targets["critical"] = {
        "first_response_minutes": 30,
        "resolution_minutes": 240,
        "coverage": "24x7",
    }
    tier = await post(client, "/api/v1/sla-tiers", {"name": "Office", "targets": targets}, h)
    cust = await post(
        client,
        "/api/v1/customers",
        {
            "name": "Berliner",
            "sla_tier_id": tier["id"],
            "calendar_id": cal["id"],
            "timezone": "Europe/Berlin",
        },
        h,
    )
    # Friday 2026-11-27 16:30 Berlin (15:30 UTC): 30 min left Friday, 30 min on Monday
    arrived = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    t = await post(
        client,
        "/api/v1/tasks",
        {
            "customer_id": cust["id"],
            "title": "weekend",
            "priority": "normal",
            "arrived_at": arrived.isoformat(),
        },
        h,
    )
    fr_due = datetime.fromisoformat(t["sla"]["first_response"]["due_at"])
    assert fr_due == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)  # Monday 09:30 Berlin
    assert t["sla"]["calendar"] == "Berlin office"
    crit = await post(
        client,
        "/api/v1/tasks",
        {
            "customer_id": cust["id"],
            "title": "down",
            "priority": "critical",
            "arrived_at": arrived.isoformat(),
        },
        h,
    )
    # Critical overrides to 24x7 even for a business-hours customer
    assert datetime.fromisoformat(crit["sla"]["first_response"]["due_at"]) == arrived + timedelta(
        minutes=30
    )
    explained = (await client.get(f"/api/v1/tasks/{t['id']}/sla", headers=h)).json()
    fr = explained["clocks"][0]
    assert fr["calendar"] == "Berlin office" and fr["timezone"] == "Europe/Berlin"
    bad = await client.post(
        "/api/v1/business-calendars",
        json={
            "name": "x",
            "spec": {"timezone": "Mars/Olympus", "weekly": {"mon": [["09:00", "17:00"]]}},
        },
        headers=h,
    )
    assert bad.status_code == 400 and "timezone" in bad.text
