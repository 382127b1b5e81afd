"""The device registry API and alert mapping by device and by mapping table."""

from __future__ import annotations

from rmm_http import get_json
from test_rmm_lifecycle import alert_of, fire

from tests.hub.api.helpers import small_msp


async def test_device_crud_and_alerts_mapped_by_device_and_mapping_table(client, keys) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    acme, globex = msp["customer"]["id"], msp["other"]["id"]
    r = await client.post(
        "/api/v1/devices",
        json={"hostname": "PBX01", "customer_id": globex, "site": "HQ", "os": "Linux"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    device = r.json()
    assert (device["hostname"], device["customer_id"], device["last_seen"]) == (
        "pbx01",
        globex,
        None,
    )
    bad = await client.post(
        "/api/v1/devices", json={"hostname": "x", "customer_id": 999}, headers=h
    )
    assert bad.status_code == 400 and "customer 999 does not exist" in bad.json()["detail"]
    bad = await client.post("/api/v1/devices", json={"hostname": "has space"}, headers=h)
    assert bad.status_code == 400

    # an alert without a customer label maps through the registry
    await fire(client, "pbx", "pbx01", customer="")
    assert (await alert_of(client, h, "pbx"))["customer_id"] == globex
    seen = await get_json(client, f"/api/v1/devices/{device['id']}", h)
    assert seen["last_seen"] is not None

    # a label value unknown as a customer name maps through the mapping table
    r = await client.post(
        "/api/v1/rmm/customer-mappings",
        json={"label_value": "ACME-NL", "customer_id": acme},
        headers=h,
    )
    assert r.status_code == 201, r.text
    dup = await client.post(
        "/api/v1/rmm/customer-mappings",
        json={"label_value": "acme-nl", "customer_id": acme},
        headers=h,
    )
    assert dup.status_code == 409
    await fire(client, "nl", "ws-77", customer="acme-nl")
    assert (await alert_of(client, h, "nl"))["customer_id"] == acme
    created = await get_json(client, "/api/v1/devices", h, q="ws-")
    assert [(d["hostname"], d["customer_id"]) for d in created["items"]] == [("ws-77", acme)]

    r = await client.patch(
        f"/api/v1/devices/{device['id']}", json={"customer_id": acme, "site": "DC"}, headers=h
    )
    assert r.status_code == 200 and (r.json()["customer_id"], r.json()["site"]) == (acme, "DC")
    by_customer = await get_json(client, "/api/v1/devices", h, customer_id=acme)
    assert {d["hostname"] for d in by_customer["items"]} == {"pbx01", "ws-77"}
    page1 = await get_json(client, "/api/v1/devices", h, limit=1)
    page2 = await get_json(client, "/api/v1/devices", h, limit=1, cursor=page1["next_cursor"])
    assert page1["items"][0]["id"] > page2["items"][0]["id"]
    assert (await client.get("/api/v1/devices/9999", headers=h)).status_code == 404
    assert (await client.get("/api/v1/devices")).status_code == 401

    firing = await get_json(client, "/api/v1/alerts", h, firing="true", device="PBX01")
    assert [a["fingerprint"] for a in firing["items"]] == ["pbx"]
    assert (await get_json(client, "/api/v1/alerts", h, firing="false"))["items"] == []
