"""Maintenance windows through the HTTP API: CRUD, SEQUENCE, validation, overlap rule."""

from __future__ import annotations

from datetime import timedelta

from calendar_http import API, created, iso, next_weekday, view
from httpx import AsyncClient

from hub.db.tables import AuditEntry, Device
from tests.conftest import Keys
from tests.hub.api.helpers import small_msp

WINDOWS = f"{API}/maintenance-windows"


async def test_window_crud_bumps_sequence_on_every_change(client: AsyncClient, keys: Keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    friday = next_weekday(4)
    window = await created(
        client,
        WINDOWS,
        {
            "customer_id": msp["customer"]["id"],
            "title": "Patch night",
            "start": f"{friday:%Y-%m-%d}T22:00:00",
            "end": f"{friday + timedelta(days=1):%Y-%m-%d}T02:00:00",
            "tz": "Europe/Berlin",
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
        },
        h,
    )
    assert window["sequence"] == 0 and window["uid"] == f"maintenance-{window['id']}@atlas-hub"
    # a naive time is wall time in the window's zone
    assert window["start"].endswith(("T22:00:00+01:00", "T22:00:00+02:00"))
    path = f"{WINDOWS}/{window['id']}"
    r = await client.patch(path, json={"title": "Patch night (DB too)"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["sequence"] == 1 and r.json()["title"] == "Patch night (DB too)"
    r = await client.patch(path, json={"exdates": [window["start"]]}, headers=h)
    assert r.json()["sequence"] == 2 and len(r.json()["exdates"]) == 1
    # the excluded first instance is gone from the view, the next one is there
    items = await view(client, h, friday, friday + timedelta(days=8), kinds="maintenance")
    assert [i["start"][:10] for i in items] == [f"{friday + timedelta(days=7):%Y-%m-%d}"]
    assert items[0]["sequence"] == 2
    updates = await AuditEntry.select().where(
        AuditEntry.entity == "calendar_entry", AuditEntry.field == "sequence"
    )
    assert [(u["old"], u["new"]) for u in updates] == [("0", "1"), ("1", "2")]
    assert (await client.delete(path, headers=h)).status_code == 204
    assert (await client.get(path, headers=h)).status_code == 404


async def test_bad_windows_are_400_with_a_reason_and_store_nothing(
    client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    other_device = Device(customer=msp["other"]["id"], hostname="globex-dc1")
    await other_device.save()
    base = {
        "customer_id": msp["customer"]["id"],
        "title": "W",
        "start": "2031-01-06T22:00:00Z",
        "end": "2031-01-06T23:00:00Z",
    }
    cases = [
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "BYDAY"),
        ({"rrule": "FREQ=SOMETIMES"}, "FREQ"),
        ({"tz": "Mars/Olympus"}, "time zone"),
        ({"end": "2031-01-06T21:00:00Z"}, "end is before start"),
        ({"customer_id": 999}, "customer 999 does not exist"),
        ({"devices": [other_device.id]}, "not devices of customer"),
        ({"title": ""}, "title"),
        ({"surprise": 1}, "surprise"),
    ]
    for change, reason in cases:
        r = await client.post(WINDOWS, json={**base, **change}, headers=h)
        assert r.status_code == 400, (change, r.text)
        assert reason in r.text, (change, r.text)
    assert (await client.get(WINDOWS, headers=h)).json() == []
    # integration keys may read but not write
    r = await client.post(WINDOWS, json=base, headers=Keys.header(keys.integration))
    assert r.status_code == 403


async def test_overlapping_window_is_409_unless_forced_and_forcing_is_recorded(
    client: AsyncClient, keys: Keys
) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    customer = msp["customer"]["id"]
    # weekly Saturday 01:00-05:00 Berlin from mid-March: crosses the spring DST change
    weekly = await created(
        client,
        WINDOWS,
        {
            "customer_id": customer,
            "title": "Backups",
            "start": "2031-03-15T01:00:00",
            "end": "2031-03-15T05:00:00",
            "tz": "Europe/Berlin",
            "rrule": "FREQ=WEEKLY",
        },
        h,
    )
    # 02:30-03:30 UTC on 5 April is 04:30-05:30 CEST: overlaps the 01:00-05:00 local instance
    clash = {
        "customer_id": customer,
        "title": "Firewall",
        "start": "2031-04-05T02:30:00Z",
        "end": "2031-04-05T03:30:00Z",
    }
    r = await client.post(WINDOWS, json=clash, headers=h)
    assert r.status_code == 409, r.text
    body = r.json()
    assert "force=true" in body["detail"]
    [conflict] = body["extra"]["conflicts"]
    assert conflict["kind"] == "maintenance_overlap"
    assert conflict["other_uid"] == weekly["uid"]
    assert conflict["other_recurrence_id"] == "2031-04-04T23:00:00Z"
    assert (conflict["start"], conflict["end"]) == ("2031-04-05T02:30:00Z", "2031-04-05T03:00:00Z")
    assert len((await client.get(WINDOWS, headers=h)).json()) == 1
    # the same span for another customer is fine; one hour earlier (in winter time) too
    ok = await created(client, WINDOWS, {**clash, "customer_id": msp["other"]["id"]}, h)
    assert ok["forced"] is False
    r = await client.post(
        WINDOWS,
        json={**clash, "start": "2031-03-22T04:00:00Z", "end": "2031-03-22T05:00:00Z"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    forced = await created(client, f"{WINDOWS}?force=true", clash, h)
    assert forced["forced"] is True
    assert forced["forced_conflicts"][0]["other_uid"] == weekly["uid"]
    audit = await AuditEntry.select().where(
        AuditEntry.entity == "calendar_entry",
        AuditEntry.entity_id == forced["id"],
        AuditEntry.action == "forced",
    )
    assert len(audit) == 1
    r = await client.get(
        f"{API}/conflicts",
        params={"from": "2031-03-01T00:00:00Z", "to": "2031-05-01T00:00:00Z"},
        headers=h,
    )
    listed = [(c["kind"], c["uid"], c["other_uid"]) for c in r.json()]
    assert listed == [("maintenance_overlap", forced["uid"], weekly["uid"])]
    # moving the window itself never conflicts with its own old instances
    r = await client.patch(f"{WINDOWS}/{weekly['id']}", json={"title": "Backups v2"}, headers=h)
    assert r.status_code == 409  # but it does with the forced firewall window
    r = await client.patch(
        f"{WINDOWS}/{weekly['id']}?force=true", json={"title": "Backups v2"}, headers=h
    )
    assert r.status_code == 200 and r.json()["sequence"] == 1


async def test_windows_on_disjoint_devices_do_not_conflict(client: AsyncClient, keys: Keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    customer = msp["customer"]["id"]
    dc1, dc2 = Device(customer=customer, hostname="dc1"), Device(customer=customer, hostname="dc2")
    await dc1.save()
    await dc2.save()
    span = {
        "customer_id": customer,
        "title": "W",
        "start": iso(next_weekday(2)),
        "end": iso(next_weekday(2) + timedelta(hours=2)),
    }
    first = await created(client, WINDOWS, {**span, "devices": [dc1.id]}, h)
    assert first["devices"] == [dc1.id]
    await created(client, WINDOWS, {**span, "devices": [dc2.id]}, h)
    # a window for every device overlaps both
    r = await client.post(WINDOWS, json=span, headers=h)
    assert r.status_code == 409 and r.json()["extra"]["total"] == 2
