"""Sender -> customer matching: contact first, then domain, never a guess; batched."""

from __future__ import annotations

import httpx

from hub.runtime import Hub
from hub.services.customers import CustomerMatch, match_sender, match_senders
from tests.conftest import Keys
from tests.hub.api.helpers import post, small_msp


async def test_contact_beats_domain_and_unknown_stays_unmatched(
    hub: Hub, client: httpx.AsyncClient, keys: Keys
) -> None:
    msp = await small_msp(client, keys.admin_h)
    acme, globex = msp["customer"]["id"], msp["other"]["id"]
    # a Globex contact whose address is on Acme's domain: the contact wins
    moved = await post(
        client,
        "/api/v1/contacts",
        {"customer_id": globex, "email": "Pat@Acme.example", "name": "Pat", "vip": True},
        keys.admin_h,
    )
    filler = [f"user{i}@nowhere{i % 7}.example" for i in range(1200)]  # three chunks
    found = await match_senders(
        [" PAT@acme.example ", "someone@ACME.example", "x@unknown.example", *filler]
    )
    assert found["pat@acme.example"] == CustomerMatch(
        customer_id=globex, contact_id=moved["id"], method="contact", vip=True
    )
    assert found["someone@acme.example"] == CustomerMatch(
        customer_id=acme, contact_id=None, method="domain"
    )
    assert found["x@unknown.example"].method == "unmatched"
    assert found["x@unknown.example"].customer_id is None
    assert len(found) == 3 + len(filler)
    assert {found[f].method for f in filler} == {"unmatched"}
    assert await match_sender("someone@acme.example") == found["someone@acme.example"]
    assert await match_senders([]) == {}
