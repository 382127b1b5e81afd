"""Feeds through /calendar/{token}.ics, read by ical.js and icalendar: DST recurrence,
exceptions, VALARMs, SEQUENCE bumps, on-call hand-overs, tokens and revocation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from calendar_http import API, created, iso, run_icaljs
from httpx import AsyncClient
from icalendar import Calendar

from plugins.calendar.tables import FeedToken
from tests.conftest import Keys
from tests.hub.api.helpers import small_msp

FEEDS = f"{API}/feeds"


async def _fetch(client: AsyncClient, path: str) -> bytes:
    r = await client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    return r.content


async def test_customer_and_team_feeds_read_by_icaljs_with_sequence_bump(
    client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    customer, team, ann, ben = (
        msp["customer"]["id"],
        msp["team"]["id"],
        msp["tech"]["id"],
        msp["tech2"]["id"],
    )
    first = (datetime.now(UTC) - timedelta(days=7)).date()
    window = await created(
        client,
        f"{API}/maintenance-windows",
        {
            "customer_id": customer,
            "team_id": team,
            "title": "Patch; reboot, all",
            "start": f"{first}T22:00:00",
            "end": f"{first + timedelta(days=1)}T02:00:00",
            "tz": "Europe/Berlin",
            "rrule": "FREQ=WEEKLY",
            "exdates": [f"{first + timedelta(days=14)}T22:00:00"],
        },
        h,
    )
    task = await created(
        client,
        "/api/v1/tasks",
        {
            "customer_id": customer,
            "title": "Mail down",
            "priority": "critical",
            "assignee_team_id": team,
        },
        h,
    )
    await created(
        client,
        f"{API}/oncall-rotations",
        {
            "team_id": team,
            "members": [ann, ben],
            "start_date": f"{first}",
            "period_days": 7,
            "handover_time": "09:00",
            "tz": "Europe/Berlin",
        },
        h,
    )
    feed = await created(
        client, FEEDS, {"scope": "customer", "scope_id": customer, "tz": "Europe/Berlin"}, h
    )
    assert feed["path"] == f"/calendar/{feed['token']}.ics" and feed["url"] is None
    raw = await _fetch(client, feed["path"])
    parsed = Calendar.from_ical(raw)
    assert [str(z["TZID"]) for z in parsed.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert parsed.get_missing_tzids() == set()
    data = run_icaljs(raw, limit=60)
    events = {e["uid"]: e for e in data["events"]}
    patch = events[window["uid"]]
    assert patch["summary"] == "Patch; reboot, all"
    assert patch["sequence"] is None  # SEQUENCE 0 is left out: RFC 5545 default
    assert patch["tzid"] == "Europe/Berlin"
    starts = [i["start_local"] for i in patch["instances"]]
    # every instance at 22:00 local, through at least one DST change in 60 weeks
    assert all(s.endswith("T22:00:00") for s in starts)
    assert {i["start_utc"][11:16] for i in patch["instances"]} == {"20:00", "21:00"}
    assert all(i["end_local"].endswith("T02:00:00") for i in patch["instances"])
    assert f"{first + timedelta(days=14)}T22:00:00" not in starts  # the exception
    assert f"{first + timedelta(days=7)}T22:00:00" in starts
    deadlines = [e for e in data["events"] if e["categories"] == "sla_deadline"]
    assert {e["uid"] for e in deadlines} == {
        f"sla_deadline-{task['id']}-first_response@atlas-hub",
        f"sla_deadline-{task['id']}-resolution@atlas-hub",
    }
    assert all(e["alarms"][0]["trigger_seconds"] == -30 * 60 for e in deadlines)
    assert not [e for e in data["events"] if e["categories"] == "oncall"]  # not a customer's

    r = await client.patch(
        f"{API}/maintenance-windows/{window['id']}", json={"title": "Patch and reboot"}, headers=h
    )
    assert r.json()["sequence"] == 1
    again = {e["uid"]: e for e in run_icaljs(await _fetch(client, feed["path"]))["events"]}
    assert again[window["uid"]]["sequence"] == 1
    assert again[window["uid"]]["summary"] == "Patch and reboot"

    team_feed = await created(client, FEEDS, {"scope": "team", "scope_id": team}, h)
    team_data = run_icaljs(await _fetch(client, team_feed["path"]))
    assert team_data["name"] == "Desk (team)"
    oncall = sorted(
        (e for e in team_data["events"] if e["categories"] == "oncall"),
        key=lambda e: e["start_utc"],
    )
    # hand-overs at 09:00 Berlin, alternating members
    assert all(e["start_utc"][11:16] in ("07:00", "08:00") for e in oncall)
    assert [e["summary"].rsplit(": ", 1)[1] for e in oncall[:3]] == ["Ann", "Ben", "Ann"]
    team_uids = {e["uid"] for e in team_data["events"]}
    assert (
        window["uid"] in team_uids
        and f"sla_deadline-{task['id']}-resolution@atlas-hub" in team_uids
    )


async def test_tokens_are_hashed_scoped_and_revocable(client: AsyncClient, keys: Keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    ann, ben = msp["tech"]["id"], msp["tech2"]["id"]
    ann_h = await keys.technician(ann)
    monday = (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    task = await created(
        client, "/api/v1/tasks", {"customer_id": msp["other"]["id"], "title": "Rack"}, h
    )
    booking = await created(
        client,
        f"{API}/bookings",
        {
            "technician_id": ann,
            "task_id": task["id"],
            "start": iso(monday),
            "end": iso(monday + timedelta(hours=2)),
        },
        h,
    )
    await created(
        client,
        f"{API}/bookings",
        {
            "technician_id": ben,
            "task_id": task["id"],
            "start": iso(monday),
            "end": iso(monday + timedelta(hours=2)),
        },
        h,
    )
    r = await client.post(FEEDS, json={"scope": "technician", "scope_id": ben}, headers=ann_h)
    assert r.status_code == 403
    r = await client.post(FEEDS, json={"scope": "technician", "scope_id": 999}, headers=h)
    assert r.status_code == 400
    mine = await created(client, FEEDS, {"scope": "technician", "scope_id": ann}, ann_h)
    token = mine["token"]
    row = await FeedToken.select().where(FeedToken.id == mine["feed"]["id"]).first()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row)
    listed = (await client.get(FEEDS, headers=ann_h)).json()
    assert [f["id"] for f in listed] == [mine["feed"]["id"]] and token not in str(listed)
    events = Calendar.from_ical(await _fetch(client, mine["path"])).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [booking["uid"]]
    assert events[0]["DTSTART"].dt == monday

    assert (await client.get(f"/calendar/{token[:-1]}x.ics")).status_code == 404
    assert (await client.get(f"/calendar/{token}")).status_code == 404
    assert (await client.get("/calendar/short.ics")).status_code == 404
    r = await client.delete(f"{FEEDS}/{mine['feed']['id']}", headers=ann_h)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    assert (await client.get(mine["path"])).status_code == 404
    # another technician cannot see or revoke someone else's feed
    other = await created(client, FEEDS, {"scope": "customer", "scope_id": msp["other"]["id"]}, h)
    r = await client.delete(f"{FEEDS}/{other['feed']['id']}", headers=ann_h)
    assert r.status_code == 404
    assert (await client.get(other["path"])).status_code == 200
