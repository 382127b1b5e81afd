"""Gap-free invoice numbers under concurrent finalisation (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from httpx import AsyncClient

from tests.conftest import Keys
from tests.plugins.billing.api_helpers import RATE_CARD, Msp

CUSTOMERS = 8


async def test_concurrent_finalisation_numbers_without_gaps(
    client: AsyncClient, keys: Keys, backend: str
) -> None:
    msp = Msp(client, keys.admin_h)
    await msp.put("/billing/rate-card", RATE_CARD)
    ann = await msp.technician("Ann")
    drafts: list[int] = []
    stale: tuple[int, int, int] | None = None
    for n in range(CUSTOMERS):
        cid = await msp.customer(f"Customer {n}")
        task = await msp.task(cid, f"Work {n}")
        entry = await msp.log(task, ann, 30 + n)
        drafts.append((await msp.draft(cid))["id"])
        if n == 3:
            stale = (task, entry, drafts[-1])
    assert stale is not None
    # one draft goes stale: its finalisation fails inside the transaction and rolls back
    await msp.patch(f"/tasks/{stale[0]}/time/{stale[1]}", {"minutes": 240})

    async def finalise(invoice_id: int) -> tuple[int, int]:
        r = await client.post(f"/api/v1/invoices/{invoice_id}/finalise", headers=msp.h)
        return invoice_id, r.status_code

    # every sound draft twice at once (each is numbered exactly once), the stale one once
    twice = drafts + [i for i in drafts if i != stale[2]]
    results = await asyncio.gather(*(finalise(i) for i in twice))
    statuses: dict[int, list[int]] = {}
    for invoice_id, status in results:
        statuses.setdefault(invoice_id, []).append(status)
    for invoice_id, codes in statuses.items():
        if invoice_id == stale[2]:
            assert codes == [409], (backend, codes)
        else:
            assert sorted(codes) == [201, 409], (backend, invoice_id, codes)
    numbers = sorted(i["number"] for i in await msp.get("/invoices", status="final") if i["number"])
    assert numbers == [f"INV-{n:06d}" for n in range(1, CUSTOMERS)], (backend, numbers)
    # the refreshed stale draft takes the next number: still no gap
    late = await msp.finalise(stale[2])
    assert late["number"] == f"INV-{CUSTOMERS:06d}"
