"""Approval, stale drafts, the csv and ubl sinks, and UBL validated against OASIS XSDs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from plugins.billing.ubl_checks import business_rule_errors, xsd_errors
from tests.conftest import Keys
from tests.plugins.billing.api_helpers import BUYER, RATE_CARD, SELLER, Msp


@pytest.fixture
def plugin_config() -> dict[str, dict[str, Any]]:
    return {
        "billing": {
            "require_approval": True,
            "seller": SELLER,
            "invoice_prefix": "A-",
            "number_digits": 4,
        }
    }


async def exports_done(msp: Msp, invoice_id: int) -> list[dict[str, Any]]:
    for _ in range(100):
        invoice = await msp.get(f"/invoices/{invoice_id}")
        if invoice["exports"] and all(
            e["status"] in ("sent", "failed") for e in invoice["exports"]
        ):
            return invoice["exports"]
        await asyncio.sleep(0.1)
    raise AssertionError(f"exports of {invoice_id} still pending: {invoice['exports']}")


async def test_approval_stale_draft_and_ubl_exports(
    client: AsyncClient, keys: Keys, ubl_schema_dir: Path
) -> None:
    msp = Msp(client, keys.admin_h)
    await msp.put("/billing/rate-card", RATE_CARD)
    cid = await msp.customer(buyer=BUYER, buyer_reference="PO-4711")
    ann = await msp.technician("Ann")
    task = await msp.task(cid, "Mail migration")
    entry = await msp.log(task, ann, 95)
    await msp.log(task, ann, 60, work_type="training")
    draft = await msp.draft(cid)
    r = await client.post(f"/api/v1/invoices/{draft['id']}/finalise", headers=msp.h)
    assert r.status_code == 409 and "needs approval" in r.json()["detail"]
    approved = await msp.post(f"/invoices/{draft['id']}/approve", {}, status=201)
    assert approved["status"] == "approved" and approved["approved_by"] == "admin:test admin"
    # time edited after approval: finalising refuses, refreshes the draft, resets approval
    await msp.patch(f"/tasks/{task}/time/{entry}", {"minutes": 120})
    r = await client.post(f"/api/v1/invoices/{draft['id']}/finalise", headers=msp.h)
    assert r.status_code == 409 and "changed since it was drafted" in r.json()["detail"]
    refreshed = await msp.get(f"/invoices/{draft['id']}")
    assert refreshed["status"] == "draft" and refreshed["net_total"] == "280.00"  # 2 h x 95 + 90
    await msp.post(f"/invoices/{draft['id']}/approve", {}, status=201)
    final = await msp.finalise(draft["id"])
    assert final["number"] == "A-0001"

    xml = (await client.get(f"/api/v1/invoices/{final['id']}/ubl", headers=msp.h)).content
    assert xsd_errors(xml, ubl_schema_dir) == []
    assert business_rule_errors(xml) == []
    exports = {e["sink"]: e for e in await exports_done(msp, final["id"])}
    assert set(exports) == {"csv", "ubl"}  # ubl is on because a seller is configured
    assert all(e["status"] == "sent" and e["attempts"] == 1 for e in exports.values())
    ubl_file = Path(exports["ubl"]["reference"])
    assert ubl_file.read_bytes() == xml
    assert xsd_errors(ubl_file.read_bytes(), ubl_schema_dir) == []
    assert "A-0001" in Path(exports["csv"]["reference"]).read_text()

    note = await msp.post(f"/invoices/{final['id']}/credit", {"reason": "duplicate"})
    note_xml = (await client.get(f"/api/v1/invoices/{note['id']}/ubl", headers=msp.h)).content
    assert b"<CreditNote" in note_xml or b":CreditNote" in note_xml
    assert xsd_errors(note_xml, ubl_schema_dir) == []
    assert business_rule_errors(note_xml) == []
    note_exports = {e["sink"]: e["status"] for e in await exports_done(msp, note["id"])}
    assert note_exports == {"csv": "sent", "ubl": "sent"}
    sinks = {s["name"]: s["enabled"] for s in await msp.get("/billing/sinks")}
    assert sinks == {"csv": True, "ubl": True, "json": False}
