"""Bookings through the HTTP API: every conflict rule, forcing, moving; free slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from calendar_http import API, created, iso, next_weekday
from httpx import AsyncClient

from tests.conftest import Keys
from tests.hub.api.helpers import small_msp

BERLIN = ZoneInfo("Europe/Berlin")
BOOKINGS = f"{API}/bookings"


def berlin(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


async def _setup(client: AsyncClient, h: dict[str, str]) -> dict:
    msp = await small_msp(client, h)
    ann, ben = msp["tech"]["id"], msp["tech2"]["id"]
    monday = next_weekday(0)
    await created(
        client,
        f"{API}/availability",
        {
            "technician_id": ann,
            "start": f"{monday - timedelta(days=7):%Y-%m-%d}T09:00:00",
            "end": f"{monday - timedelta(days=7):%Y-%m-%d}T17:00:00",
            "tz": "Europe/Berlin",
            "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        },
        h,
    )
    wednesday = monday + timedelta(days=2)
    leave = await created(
        client,
        f"{API}/leave",
        {
            "technician_id": ann,
            "all_day": True,
            "tz": "Europe/Berlin",
            "title": "Dentist & rest",
            "start": f"{wednesday:%Y-%m-%d}T00:00:00",
            "end": f"{wednesday + timedelta(days=1):%Y-%m-%d}T00:00:00",
        },
        h,
    )
    task = await created(
        client,
        "/api/v1/tasks",
        {"customer_id": msp["customer"]["id"], "title": "Replace switch"},
        h,
    )
    first = await created(
        client,
        BOOKINGS,
        {
            "technician_id": ann,
            "task_id": task["id"],
            "start": iso(berlin(monday, 10)),
            "end": iso(berlin(monday, 12)),
        },
        h,
    )
    return {
        "msp": msp,
        "ann": ann,
        "ben": ben,
        "monday": monday,
        "leave": leave,
        "task": task,
        "first": first,
    }


async def test_every_booking_rule_refuses_with_409_until_forced(
    client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    s = await _setup(client, h)
    ann, monday, task = s["ann"], s["monday"], s["task"]
    assert s["first"]["title"] == "Replace switch"  # defaults to the task's title
    assert s["first"]["customer_id"] == s["msp"]["customer"]["id"]

    async def refused(start: datetime, end: datetime, technician: int = ann) -> list[dict]:
        r = await client.post(
            BOOKINGS,
            json={
                "technician_id": technician,
                "task_id": task["id"],
                "start": iso(start),
                "end": iso(end),
            },
            headers=h,
        )
        assert r.status_code == 409, r.text
        return r.json()["extra"]["conflicts"]

    [double] = await refused(berlin(monday, 11), berlin(monday, 13))
    assert double["kind"] == "double_booking" and double["other_uid"] == s["first"]["uid"]
    assert double["start"] == iso(berlin(monday, 11).astimezone(UTC)).replace("+00:00", "Z")
    wednesday = monday + timedelta(days=2)
    [leave] = await refused(berlin(wednesday, 10), berlin(wednesday, 11))
    assert leave["kind"] == "on_leave" and leave["other_uid"] == s["leave"]["uid"]
    assert "Dentist & rest" in leave["reason"]
    [late] = await refused(berlin(monday, 16), berlin(monday, 18))
    assert late["kind"] == "outside_working_hours"
    assert late["start"].startswith(f"{berlin(monday, 17).astimezone(UTC):%Y-%m-%dT%H:%M}")
    saturday = monday + timedelta(days=5)
    [weekend] = await refused(berlin(saturday, 10), berlin(saturday, 11))
    assert weekend["kind"] == "outside_working_hours"
    assert len((await client.get(BOOKINGS, headers=h)).json()) == 1  # nothing half-written

    # free time inside working hours is fine; Ben has no working hours: any time is fine
    second = await created(
        client,
        BOOKINGS,
        {
            "technician_id": ann,
            "task_id": task["id"],
            "start": iso(berlin(monday, 13)),
            "end": iso(berlin(monday, 15)),
        },
        h,
    )
    await created(
        client,
        BOOKINGS,
        {
            "technician_id": s["ben"],
            "task_id": task["id"],
            "start": iso(berlin(saturday, 10)),
            "end": iso(berlin(saturday, 11)),
        },
        h,
    )
    # moving a booking does not clash with its old self, only with others
    path = f"{BOOKINGS}/{s['first']['id']}"
    r = await client.patch(
        path,
        json={"start": iso(berlin(monday, 10, 30)), "end": iso(berlin(monday, 12, 30))},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["sequence"] == 1
    r = await client.patch(path, json={"end": iso(berlin(monday, 13, 30))}, headers=h)
    assert r.status_code == 409
    assert r.json()["extra"]["conflicts"][0]["other_uid"] == second["uid"]

    forced = await created(
        client,
        f"{BOOKINGS}?force=true",
        {
            "technician_id": ann,
            "task_id": task["id"],
            "start": iso(berlin(wednesday, 10)),
            "end": iso(berlin(wednesday, 11)),
        },
        h,
    )
    assert forced["forced"] is True and forced["forced_conflicts"][0]["kind"] == "on_leave"
    r = await client.get(
        f"{API}/conflicts",
        headers=h,
        params={"from": iso(monday), "to": iso(monday + timedelta(days=7)), "technician_id": ann},
    )
    assert [(c["kind"], c["uid"]) for c in r.json()] == [("on_leave", forced["uid"])]

    for bad, reason in [
        ({"end": iso(berlin(monday, 9))}, "must end after it starts"),
        ({"task_id": 999}, "task 999 does not exist"),
        ({"technician_id": 999}, "technician 999 does not exist"),
    ]:
        body = {
            "technician_id": ann,
            "task_id": task["id"],
            "start": iso(berlin(monday, 9)),
            "end": iso(berlin(monday, 10)),
            **bad,
        }
        r = await client.post(BOOKINGS, json=body, headers=h)
        assert r.status_code == 400 and reason in r.text, r.text


async def test_free_slots_skip_bookings_leave_and_off_hours(
    client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    s = await _setup(client, h)
    ann, monday = s["ann"], s["monday"]
    await created(
        client,
        BOOKINGS,
        {
            "technician_id": ann,
            "task_id": s["task"]["id"],
            "start": iso(berlin(monday, 13)),
            "end": iso(berlin(monday, 15)),
        },
        h,
    )
    r = await client.post(
        f"{API}/free-slots",
        json={"technician_id": ann, "duration_minutes": 120, "after": iso(monday), "count": 3},
        headers=h,
    )
    assert r.status_code == 200, r.text
    tuesday, thursday = monday + timedelta(days=1), monday + timedelta(days=3)
    # Monday: 09-10 and 12-13 are too short, 15-17 fits; Wednesday is leave
    expected = [
        (berlin(monday, 15), berlin(monday, 17)),
        (berlin(tuesday, 9), berlin(tuesday, 11)),
        (berlin(tuesday, 11), berlin(tuesday, 13)),
    ]
    got = [
        (datetime.fromisoformat(x["start"]), datetime.fromisoformat(x["end"]))
        for x in r.json()["slots"]
    ]
    assert got == expected
    r = await client.post(
        f"{API}/free-slots",
        json={
            "technician_id": ann,
            "duration_minutes": 480,
            "after": iso(berlin(tuesday, 10)),
            "count": 1,
        },
        headers=h,
    )
    assert datetime.fromisoformat(r.json()["slots"][0]["start"]) == berlin(thursday, 9)
    # the team: Ben has no working hours, so he is free at once
    r = await client.post(
        f"{API}/free-slots",
        json={
            "team_id": s["msp"]["team"]["id"],
            "duration_minutes": 60,
            "after": iso(berlin(monday, 10, 7)),
            "count": 2,
        },
        headers=h,
    )
    slots = r.json()["slots"]
    assert datetime.fromisoformat(slots[0]["start"]) == berlin(monday, 10, 15)
    assert slots[0]["technician_id"] == s["ben"]
    r = await client.post(f"{API}/free-slots", json={"duration_minutes": 60}, headers=h)
    assert r.status_code == 400 and "exactly one" in r.text
