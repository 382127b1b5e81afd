"""The unified view and the hub_calendar_events hook: SLA deadlines, milestones, other
plugins' kinds, the RMM plugin's maintenance query, a failing plugin."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from calendar_http import API, created, iso, view
from httpx import AsyncClient

from hub.contracts import TimeRange
from hub.hookspecs import hookimpl
from hub.plugins import await_all, flatten
from hub.runtime import Hub
from hub.services import tasks
from plugins.calendar.events import CalendarEvent, Occurrence
from tests.conftest import Keys
from tests.hub.api.helpers import small_msp


@pytest.fixture
def plugin_config() -> dict[str, dict[str, Any]]:
    return {"calendar": {"sla_alarm_minutes": 45}}


class BackupPlugin:
    """A vendor plugin contributing its own kind, recurring daily at 01:00 Berlin."""

    @hookimpl
    async def hub_calendar_events(self, range: TimeRange, filters: dict[str, Any]) -> list:
        if filters.get("kinds") and "backup" not in filters["kinds"]:
            return []
        start = datetime(2031, 3, 28, 1, tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
        return [
            CalendarEvent(
                uid="backup-1@acme",
                kind="backup",
                title="Nightly backup",
                start=start,
                end=start + timedelta(hours=1),
                tz="Europe/Berlin",
                rrule="FREQ=DAILY",
                customer_id=filters.get("customer_id"),
            ),
            "not an event",
        ]


class BrokenPlugin:
    @hookimpl
    def hub_calendar_events(self, range: TimeRange) -> list:
        raise RuntimeError("vendor bug")


async def test_sla_deadlines_of_open_unmet_clocks_with_alarm(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    ann = msp["tech"]["id"]
    arrived = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    body = {"customer_id": msp["customer"]["id"], "priority": "high", "arrived_at": iso(arrived)}
    mine = await created(
        client, "/api/v1/tasks", {**body, "title": "VPN down", "assignee_technician_id": ann}, h
    )
    answered = await created(
        client, "/api/v1/tasks", {**body, "title": "Printer", "assignee_technician_id": ann}, h
    )
    await tasks.mark_first_response(hub, answered["id"], datetime.now(UTC))
    done = await created(
        client, "/api/v1/tasks", {**body, "title": "Done", "assignee_technician_id": ann}, h
    )
    for status in ("in_progress", "resolved"):
        done = (
            await client.patch(
                f"/api/v1/tasks/{done['id']}",
                json={"status": status},
                headers={**h, "If-Match": f'"v{done["version"]}"'},
            )
        ).json()
    await created(
        client,
        "/api/v1/tasks",
        {**body, "title": "Team task", "assignee_team_id": msp["team"]["id"]},
        h,
    )
    await created(
        client, "/api/v1/tasks", {**body, "title": "Untiered", "customer_id": msp["other"]["id"]}, h
    )
    start, end = arrived - timedelta(hours=1), arrived + timedelta(days=1)
    items = await view(client, h, start, end, kinds="sla_deadline", technician_id=ann)
    got = sorted((i["task_id"], i["meta"]["clock"], i["start"]) for i in items)
    due = lambda minutes: iso(arrived + timedelta(minutes=minutes)).replace("+00:00", "Z")  # noqa: E731
    assert got == sorted(
        [
            (mine["id"], "first_response", due(60)),
            (mine["id"], "resolution", due(480)),
            (answered["id"], "resolution", due(480)),
        ]
    )
    assert {i["alarm_minutes_before"] for i in items} == {45}
    assert items[0]["uid"].startswith("sla_deadline-") and items[0]["end"] == items[0]["start"]
    team_items = await view(client, h, start, end, kinds="sla_deadline", team_id=msp["team"]["id"])
    # the team's own task plus its members' tasks
    assert len(team_items) == 5
    # the range is half-open and bounded
    assert await view(client, h, arrived + timedelta(minutes=481), end, kinds="sla_deadline") == []
    r = await client.get(API, params={"from": iso(end), "to": iso(start)}, headers=h)
    assert r.status_code == 400
    r = await client.get(
        API, params={"from": iso(start), "to": iso(start + timedelta(days=999))}, headers=h
    )
    assert r.status_code == 400 and "at most" in r.text


async def test_view_collects_every_plugin_and_serves_the_rmm_query(
    hub: Hub, client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    customer = msp["customer"]["id"]
    hub.pm.register(BackupPlugin(), name="acme-backup")
    hub.pm.register(BrokenPlugin(), name="acme-broken")
    window = await created(
        client,
        f"{API}/maintenance-windows",
        {
            "customer_id": customer,
            "title": "Patch",
            "start": "2031-03-28T22:00:00",
            "end": "2031-03-29T02:00:00",
            "tz": "Europe/Berlin",
            "rrule": "FREQ=DAILY;COUNT=3",
            "exdates": ["2031-03-29T22:00:00"],
        },
        h,
    )
    await created(
        client,
        f"{API}/maintenance-windows",
        {
            "customer_id": msp["other"]["id"],
            "title": "Other",
            "start": "2031-03-29T10:00:00Z",
            "end": "2031-03-29T11:00:00Z",
        },
        h,
    )
    start, end = datetime(2031, 3, 28, tzinfo=UTC), datetime(2031, 4, 1, tzinfo=UTC)
    items = await view(client, h, start, end, customer_id=customer)
    kinds = [(i["kind"], i["start"]) for i in items]
    assert sorted(kinds, key=lambda k: k[1]) == kinds
    assert [k for k in kinds if k[0] == "maintenance"] == [
        ("maintenance", "2031-03-28T21:00:00Z"),
        ("maintenance", "2031-03-30T20:00:00Z"),
    ]
    # 01:00 Berlin daily: 00:00Z until the DST change on Sunday 30 March, then 23:00Z
    assert [k[1] for k in kinds if k[0] == "backup"] == [
        "2031-03-28T00:00:00Z",
        "2031-03-29T00:00:00Z",
        "2031-03-30T00:00:00Z",
        "2031-03-30T23:00:00Z",
        "2031-03-31T23:00:00Z",
    ]
    only = await view(client, h, start, end, customer_id=customer, kinds="maintenance,backup")
    assert len(only) == 7
    assert await view(client, h, start, end, customer_id=customer, kinds="leave") == []

    # what the RMM plugin does to suppress alerts: occurrences with customer and devices
    hub.pm.unregister(name="acme-broken")  # a raising sync hook fails a direct hook call
    results = flatten(
        await await_all(
            hub.pm.hook.hub_calendar_events(
                range=TimeRange(start=start, end=end),
                filters={"customer_id": customer, "kinds": ["maintenance"]},
            )
        )
    )
    assert all(isinstance(o, Occurrence) for o in results)
    ours = results
    assert [(o.uid, o.start, o.end, o.customer_id, o.meta["devices"]) for o in ours] == [
        (
            window["uid"],
            datetime(2031, 3, 28, 21, tzinfo=UTC),
            datetime(2031, 3, 29, 1, tzinfo=UTC),
            customer,
            [],
        ),
        (
            window["uid"],
            datetime(2031, 3, 30, 20, tzinfo=UTC),
            datetime(2031, 3, 31, 0, tzinfo=UTC),
            customer,
            [],
        ),
    ]


async def test_open_milestones_are_all_day_events_in_the_customer_zone(
    client: AsyncClient, keys: Keys
) -> None:
    projects = pytest.importorskip("hub.projects.tables")
    h = keys.admin_h
    msp = await small_msp(client, h)
    r = await client.patch(
        f"/api/v1/customers/{msp['customer']['id']}",
        json={"timezone": "America/New_York"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    project = projects.Project(customer=msp["customer"]["id"], name="Office move", status="active")
    await project.save()
    for name, target, completed in [
        ("Cabling", date(2031, 5, 2), None),
        ("Kick-off", date(2031, 5, 1), date(2031, 5, 1)),
        ("Later", date(2031, 9, 1), None),
    ]:
        await projects.Milestone(
            project=project.id, name=name, target_date=target, completed_on=completed
        ).save()
    items = await view(
        client,
        h,
        "2031-04-28T00:00:00Z",
        "2031-05-10T00:00:00Z",
        kinds="milestone",
        customer_id=msp["customer"]["id"],
    )
    assert [(i["title"], i["start"], i["end"], i["all_day"], i["tz"]) for i in items] == [
        (
            "Milestone: Office move / Cabling",
            "2031-05-02T04:00:00Z",
            "2031-05-03T04:00:00Z",
            True,
            "America/New_York",
        ),
    ]
    assert (
        await view(
            client,
            h,
            "2031-04-28T00:00:00Z",
            "2031-05-10T00:00:00Z",
            kinds="milestone",
            customer_id=msp["other"]["id"],
        )
        == []
    )
