"""Every billing mode end to end through the API (SQLite, and PostgreSQL when set).

Rate card (api_helpers.RATE_CARD): remote 95, onsite 120, internal non-billable,
training VAT-exempt at the 90 default, role senior 140.
"""

from __future__ import annotations

from httpx import AsyncClient

from tests.conftest import Keys
from tests.plugins.billing.api_helpers import RATE_CARD, Msp


def by_description(invoice: dict) -> dict[str, dict]:
    return {line["description"]: line for line in invoice["lines"]}


async def test_time_and_materials_rounding_tax_and_locked_entries(
    client: AsyncClient, keys: Keys
) -> None:
    msp = Msp(client, keys.admin_h)
    await msp.put("/billing/rate-card", RATE_CARD)
    cid = await msp.customer(
        rounding={"increment_minutes": 15, "mode": "up"},
        rates={"work_types": {"onsite": "110.00"}},
    )
    ann = await msp.technician("Ann")
    bob = await msp.technician("Bob", role="senior")
    printer = await msp.task(cid, "Printer")
    server = await msp.task(cid, "Server")
    remote = await msp.log(printer, ann, 50, "2026-05-04")  # -> 1 h x 95
    await msp.log(printer, ann, 7, "2026-05-05", "onsite")  # -> 0.25 h x 110 (customer)
    await msp.log(server, bob, 61, "2026-05-06", "consulting")  # -> 1.25 h x 140 (role)
    internal = await msp.log(server, ann, 30, "2026-05-07", "internal")  # non-billable type
    await msp.log(server, ann, 60, "2026-05-08", "training")  # exempt, 1 h x 90
    await msp.log(server, ann, 20, "2026-05-09", billable=False)  # flagged non-billable
    june = await msp.log(server, ann, 30, "2026-06-02")  # after the period

    first = await msp.draft(cid)
    draft = await msp.draft(cid)  # drafting again replaces the open draft
    assert (await msp.get(f"/invoices/{first['id']}"))["status"] == "superseded"
    r = await client.post(f"/api/v1/invoices/{first['id']}/finalise", headers=msp.h)
    assert r.status_code == 409
    lines = by_description(draft)
    assert set(lines) == {
        "Printer: Remote support",
        "Printer: On-site support",
        "Server: consulting",
        "Server: Training",
    }
    expected = {
        "Printer: Remote support": ("1", "95.00", "95.00", "S", "19.95", "WT:remote"),
        "Printer: On-site support": ("0.25", "110.00", "27.50", "S", "5.78", "CUST:WT:onsite"),
        "Server: consulting": ("1.25", "140.00", "175.00", "S", "36.75", "ROLE:senior"),
        "Server: Training": ("1", "90.00", "90.00", "E", "0.00", "DEFAULT"),
    }
    for description, (qty, rate, net, code, tax, rate_code) in expected.items():
        line = lines[description]
        assert line["source_kind"] == "time"
        assert line["quantity"].rstrip("0").rstrip(".") == qty.rstrip("0").rstrip(".") or (
            line["quantity"] == qty
        )
        assert (line["unit_price"], line["net_amount"]) == (rate, net)
        assert (line["tax_code"], line["tax_amount"], line["rate_code"]) == (code, tax, rate_code)
    # tax per category on the summed net (EN 16931): 297.50 x 21 % = 62.475 -> 62.48
    assert {
        (s["tax_code"], s["taxable_amount"], s["tax_amount"]) for s in draft["tax_subtotals"]
    } == {
        ("S", "297.50", "62.48"),
        ("E", "90.00", "0.00"),
    }
    assert (draft["net_total"], draft["tax_total"], draft["gross_total"]) == (
        "387.50",
        "62.48",
        "449.98",
    )
    assert draft["due_date"] == "2026-06-14" and draft["number"] is None

    final = await msp.finalise(draft["id"])
    assert final["status"] == "final" and final["number"] == "INV-000001"
    # every settled entry is locked - billed ones and non-billable ones alike
    r = await client.patch(
        f"/api/v1/tasks/{printer}/time/{remote}", json={"minutes": 5}, headers=msp.h
    )
    assert r.status_code == 409 and "locked" in r.json()["detail"]
    r = await client.delete(f"/api/v1/tasks/{server}/time/{internal}", headers=msp.h)
    assert r.status_code == 409
    entries = await msp.get(f"/tasks/{server}/time")
    assert {e["id"]: e["invoice_id"] for e in entries}[june] is None
    assert all(e["invoice_id"] == final["id"] for e in entries if e["id"] != june)
    r = await client.post(f"/api/v1/invoices/{final['id']}/finalise", headers=msp.h)
    assert r.status_code == 409
    # the next period bills only what is left
    unbilled = await msp.get("/billing/reports/unbilled")
    assert [(u["customer_id"], u["entries"], u["billable_hours"]) for u in unbilled] == [
        (cid, 1, "0.50")
    ]
    nxt = await msp.draft(cid, "2026-06-01", "2026-06-30")
    assert [(x["source_ids"], x["quantity"], x["net_amount"]) for x in nxt["lines"]] == [
        ([str(june)], "0.5000", "47.50")
    ]
    csv_text = (await client.get(f"/api/v1/invoices/{final['id']}/csv", headers=msp.h)).text
    assert csv_text.count("\r\n") == 5 and "INV-000001" in csv_text


async def test_fixed_fee_milestones_completion_and_profitability(
    client: AsyncClient, keys: Keys
) -> None:
    msp = Msp(client, keys.admin_h)
    await msp.put("/billing/rate-card", RATE_CARD)
    cid = await msp.customer()
    ann = await msp.technician("Ann", cost="40")
    fixed = await msp.post(
        "/projects",
        {
            "customer_id": cid,
            "name": "Firewall",
            "billing_mode": "fixed_fee_milestones",
            "contract_value": "1000.00",
        },
    )
    design = await msp.post(
        f"/projects/{fixed['id']}/milestones", {"name": "Design", "fee": "400.00"}
    )
    await msp.post(f"/projects/{fixed['id']}/milestones", {"name": "Install", "fee": "600.00"})
    await msp.patch(f"/projects/{fixed['id']}", {"status": "active"})
    plan = await msp.task(cid, "Draw plan", design["id"])
    absorbed = await msp.log(plan, ann, 120)
    await msp.patch(
        f"/projects/{fixed['id']}/milestones/{design['id']}",
        {"completed": True, "completed_on": "2026-05-20"},
    )
    turnkey = await msp.post(
        "/projects",
        {
            "customer_id": cid,
            "name": "Wi-Fi",
            "billing_mode": "fixed_fee_completion",
            "contract_value": "2500.00",
            "status": "active",
        },
    )
    await msp.patch(
        f"/projects/{turnkey['id']}", {"status": "completed", "completed_on": "2026-05-25"}
    )
    tm = await msp.post(
        "/projects",
        {
            "customer_id": cid,
            "name": "Backup",
            "billing_mode": "time_and_materials",
            "status": "active",
        },
    )
    tm_ms = await msp.post(f"/projects/{tm['id']}/milestones", {"name": "Setup"})
    await msp.log(await msp.task(cid, "Configure", tm_ms["id"]), ann, 60)
    # contract order: the project comes first, then a covering agreement, then T&M -
    # this retainer absorbs the ad-hoc time but none of the projects' time
    await msp.post(
        "/billing/agreements",
        {"customer_id": cid, "name": "Care", "kind": "retainer", "starts_on": "2026-05-01"},
    )
    adhoc_task = await msp.task(cid, "Ad hoc")
    adhoc = await msp.log(adhoc_task, ann, 45)

    draft = await msp.draft(cid)
    summary = [(x["source_kind"], x["description"], x["net_amount"]) for x in draft["lines"]]
    assert summary == [
        ("milestone", "Firewall: milestone Design", "400.00"),
        ("project_completion", "Wi-Fi: fixed fee on completion", "2500.00"),
        ("time", "Configure: Remote support", "95.00"),
    ]
    assert (draft["net_total"], draft["tax_total"], draft["gross_total"]) == (
        "2995.00",
        "628.95",
        "3623.95",
    )
    final = await msp.finalise(draft["id"])
    # the fixed-fee project's time is absorbed: not billed, but settled and locked
    entry = next(e for e in await msp.get(f"/tasks/{plan}/time") if e["id"] == absorbed)
    assert entry["invoice_id"] == final["id"]
    covered = await msp.get(f"/tasks/{adhoc_task}/time")
    assert [(e["id"], e["invoice_id"]) for e in covered] == [(adhoc, final["id"])]
    milestone = await msp.get(f"/projects/{fixed['id']}/milestones/{design['id']}")
    assert milestone["invoice_id"] == final["id"]
    r = await client.patch(
        f"/api/v1/projects/{fixed['id']}/milestones/{design['id']}",
        json={"fee": "500.00"},
        headers=msp.h,
    )
    assert r.status_code == 409
    r = await client.patch(
        f"/api/v1/projects/{turnkey['id']}", json={"status": "active"}, headers=msp.h
    )
    assert r.status_code == 409 and "credit" in r.json()["detail"]
    profit = {p["project_name"]: p for p in await msp.get("/billing/reports/profitability")}
    assert (profit["Firewall"]["hours"], profit["Firewall"]["cost"]) == ("2.00", "80.00")
    assert (profit["Firewall"]["invoiced"], profit["Firewall"]["margin"]) == ("400.00", "320.00")
    assert profit["Firewall"]["margin_percent"] == "80.00"
    assert (profit["Wi-Fi"]["invoiced"], profit["Wi-Fi"]["cost"]) == ("2500.00", "0.00")
    assert (profit["Backup"]["invoiced"], profit["Backup"]["cost"]) == ("95.00", "40.00")
    r = await client.post(
        "/api/v1/invoices/draft",
        json={"customer_id": cid, "period_start": "2026-06-01", "period_end": "2026-06-30"},
        headers=msp.h,
    )
    assert r.status_code == 400 and "nothing to invoice" in r.json()["detail"]


async def test_block_hours_retainer_fees_and_credit_notes(client: AsyncClient, keys: Keys) -> None:
    msp = Msp(client, keys.admin_h)
    await msp.put("/billing/rate-card", RATE_CARD)
    cid = await msp.customer()
    ann = await msp.technician("Ann")
    block = await msp.post(
        "/billing/agreements",
        {
            "customer_id": cid,
            "name": "Prepaid 10h",
            "kind": "block_hours",
            "starts_on": "2026-05-01",
            "hours_total": "10",
            "price": "900.00",
        },
    )
    await msp.post(
        "/billing/agreements",
        {
            "customer_id": cid,
            "name": "Monitoring",
            "kind": "subscription",
            "starts_on": "2026-04-01",
            "recurring_fee": "150.00",
        },
    )
    helpdesk = await msp.post(
        "/projects",
        {"customer_id": cid, "name": "Helpdesk", "billing_mode": "retainer", "status": "active"},
    )
    ms = await msp.post(f"/projects/{helpdesk['id']}/milestones", {"name": "Q2"})
    task = await msp.task(cid, "User support", ms["id"])
    first = await msp.log(task, ann, 480, "2026-05-06")  # 8 h from the block
    second = await msp.log(task, ann, 180, "2026-05-07")  # 2 h from the block + 1 h T&M

    draft = await msp.draft(cid)
    summary = [
        (x["source_kind"], x["description"], x["quantity"], x["net_amount"]) for x in draft["lines"]
    ]
    assert summary == [
        ("recurring_fee", "Monitoring: 2026-04", "1", "150.00"),
        ("recurring_fee", "Monitoring: 2026-05", "1", "150.00"),
        ("block_purchase", "Prepaid 10h: block of 10 hours", "1", "900.00"),
        ("time", "User support: Remote support", "1.0000", "95.00"),
    ]
    assert draft["gross_total"] == "1566.95"
    final = await msp.finalise(draft["id"])
    balance = await msp.get(f"/billing/agreements/{block['id']}")
    assert (balance["hours_used"], balance["hours_remaining"]) == ("10", "0")
    assert balance["purchase_invoice_id"] == final["id"]
    util = {
        u["technician_id"]: u
        for u in await msp.get(
            "/billing/reports/utilisation", **{"from": "2026-05-01", "to": "2026-05-31"}
        )
    }
    assert (util[ann]["hours"], util[ann]["billable_hours"], util[ann]["capacity_hours"]) == (
        "11.00",
        "11.00",
        "168.00",
    )
    assert util[ann]["utilisation_percent"] == "6.55"

    # a full credit note undoes the invoice and everything it consumed
    note = await msp.post(f"/invoices/{final['id']}/credit", {"reason": "wrong period"})
    assert (note["document_type"], note["number"], note["billing_reference"]) == (
        "credit_note",
        "CN-000001",
        "INV-000001",
    )
    assert note["gross_total"] == "1566.95" and note["credited_invoice_id"] == final["id"]
    assert (await msp.get(f"/invoices/{final['id']}"))["status"] == "credited"
    times = {e["id"]: e["invoice_id"] for e in await msp.get(f"/tasks/{task}/time")}
    assert times == {first: None, second: None}
    balance = await msp.get(f"/billing/agreements/{block['id']}")
    assert (balance["hours_used"], balance["purchase_invoice_id"]) == ("0", None)
    subs = [
        a
        for a in await msp.get("/billing/agreements", customer_id=cid)
        if a["kind"] == "subscription"
    ]
    assert subs[0]["fees_invoiced_through"] is None
    r = await client.post(f"/api/v1/invoices/{final['id']}/credit", json={}, headers=msp.h)
    assert r.status_code == 409
    # everything is billable again, and numbering continues without a gap
    again = await msp.finalise((await msp.draft(cid))["id"])
    assert (again["number"], again["gross_total"]) == ("INV-000002", "1566.95")
    # a partial credit of one line
    time_line = next(x for x in again["lines"] if x["source_kind"] == "time")
    part = await msp.post(f"/invoices/{again['id']}/credit", {"line_ids": [time_line["line_id"]]})
    assert (part["number"], part["net_total"], part["gross_total"]) == (
        "CN-000002",
        "95.00",
        "114.95",
    )
    assert (await msp.get(f"/invoices/{again['id']}"))["status"] == "partially_credited"
    r = await client.post(
        f"/api/v1/invoices/{again['id']}/credit",
        json={"line_ids": [time_line["line_id"]]},
        headers=msp.h,
    )
    assert r.status_code == 409 and "already credited" in r.json()["detail"]
