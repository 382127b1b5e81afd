"""On-call rotations through the HTTP API: hand-over across DST, covers, swaps, SEQUENCE."""

from __future__ import annotations

from calendar_http import API, created, view
from httpx import AsyncClient

from tests.conftest import Keys
from tests.hub.api.helpers import small_msp

ROTATIONS = f"{API}/oncall-rotations"


async def test_rotation_hand_over_overrides_and_who_is_on_call(
    client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    ann, ben, team = msp["tech"]["id"], msp["tech2"]["id"], msp["team"]["id"]
    cy = (
        await client.post(
            "/api/v1/technicians", json={"name": "Cy", "email": "cy@msp.example"}, headers=h
        )
    ).json()["id"]
    # weekly, Monday 09:00 Berlin, from Monday 17 March 2031 (DST starts Sunday 30 March)
    rotation = await created(
        client,
        ROTATIONS,
        {
            "team_id": team,
            "name": "Primary",
            "members": [ann, ben],
            "start_date": "2031-03-17",
            "handover_weekday": 0,
            "handover_time": "09:00",
            "tz": "Europe/Berlin",
        },
        h,
    )
    assert rotation["sequence"] == 0 and rotation["period_days"] == 7

    async def on_call(at: str) -> dict:
        r = await client.get("/api/v1/oncall", params={"at": at, "team_id": team}, headers=h)
        assert r.status_code == 200, r.text
        [answer] = r.json()
        return answer

    assert (await on_call("2031-03-24T07:59:00Z"))["technician_name"] == "Ann"
    second = await on_call("2031-03-24T08:00:00Z")  # 09:00 CET
    assert second["technician_id"] == ben and second["shift_start"] == "2031-03-24T08:00:00Z"
    assert second["shift_end"] == "2031-03-31T07:00:00Z"  # 09:00 CEST: an hour earlier in UTC
    assert (await on_call("2031-03-31T06:59:00Z"))["technician_id"] == ben
    assert (await on_call("2031-03-31T07:00:00Z"))["technician_id"] == ann
    before = await client.get("/api/v1/oncall", params={"at": "2031-03-10T12:00:00Z"}, headers=h)
    assert before.json()[0]["technician_id"] is None  # the rotation has not started

    # Cy covers for a day; Ann takes one of Ben's days (half of a swap)
    r = await client.post(
        f"{ROTATIONS}/{rotation['id']}/overrides",
        json={
            "technician_id": cy,
            "start": "2031-03-25T12:00:00Z",
            "end": "2031-03-26T12:00:00Z",
            "reason": "Ben at a customer site",
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    await created(
        client,
        f"{ROTATIONS}/{rotation['id']}/overrides",
        {
            "technician_id": ann,
            "replaces": ben,
            "start": "2031-03-27T00:00:00Z",
            "end": "2031-04-01T00:00:00Z",
        },
        h,
    )
    covered = await on_call("2031-03-25T18:00:00Z")
    assert (covered["technician_name"], covered["override"]) == ("Cy", True)
    assert covered["scheduled_technician_id"] == ben
    assert (await on_call("2031-03-28T12:00:00Z"))["technician_id"] == ann
    # after the hand-over Ann is scheduled anyway: the swap (replaces Ben) does not apply
    assert (await on_call("2031-03-31T12:00:00Z"))["override"] is False

    items = await view(
        client, h, "2031-03-24T00:00:00Z", "2031-04-01T00:00:00Z", kinds="oncall", team_id=team
    )
    shifts = [(i["start"], i["end"], i["technician_id"]) for i in items]
    assert shifts == [
        ("2031-03-17T08:00:00Z", "2031-03-24T08:00:00Z", ann),
        ("2031-03-24T08:00:00Z", "2031-03-25T12:00:00Z", ben),
        ("2031-03-25T12:00:00Z", "2031-03-26T12:00:00Z", cy),
        ("2031-03-26T12:00:00Z", "2031-03-27T00:00:00Z", ben),
        ("2031-03-27T00:00:00Z", "2031-03-31T07:00:00Z", ann),
        ("2031-03-31T07:00:00Z", "2031-04-07T07:00:00Z", ann),
    ]
    assert items[2]["title"] == "On call (Desk / Primary): Cy (covering for Ben)"
    assert {i["sequence"] for i in items} == {2}  # two overrides, two bumps
    assert items[1]["uid"] == f"oncall-{rotation['id']}-20310324T080000Z@atlas-hub"
    # nobody is on call for a customer: the customer filter excludes shifts
    assert (
        await view(
            client,
            h,
            "2031-03-24T00:00:00Z",
            "2031-04-01T00:00:00Z",
            kinds="oncall",
            customer_id=msp["customer"]["id"],
        )
        == []
    )

    # custom hand-over: every 3 days at 18:00
    r = await client.patch(
        f"{ROTATIONS}/{rotation['id']}",
        json={"handover_weekday": None, "period_days": 3, "handover_time": "18:00"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["sequence"] == 3
    # shift 0 (Ann) runs from 17 March 18:00 CET to 20 March 18:00 CET, then Ben
    assert (await on_call("2031-03-20T16:59:00Z"))["technician_id"] == ann
    assert (await on_call("2031-03-20T17:00:00Z"))["technician_id"] == ben
    r = await client.patch(f"{ROTATIONS}/{rotation['id']}", json={"handover_weekday": 0}, headers=h)
    assert r.status_code == 400 and "whole weeks" in r.text
    r = await client.post(
        ROTATIONS, json={"team_id": team, "members": [999], "start_date": "2031-03-17"}, headers=h
    )
    assert r.status_code == 400 and "999" in r.text
    override_id = (await client.get(f"{ROTATIONS}/{rotation['id']}", headers=h)).json()[
        "overrides"
    ][0]["id"]
    r = await client.delete(f"{ROTATIONS}/{rotation['id']}/overrides/{override_id}", headers=h)
    assert r.status_code == 204
    assert (await client.get(f"{ROTATIONS}/{rotation['id']}", headers=h)).json()["sequence"] == 4
