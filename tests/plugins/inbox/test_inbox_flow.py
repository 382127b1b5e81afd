"""End to end through a real SMTP client into the running hub (real nats-server, real DB):
new mail -> inbox item -> convert -> reply through the relay -> the customer's reply
threads into the task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from inbox_helpers import deliver, mail, rows, wait_for

from hub.runtime import Hub
from tests.hub.api.helpers import post, small_msp


async def _item(client: httpx.AsyncClient, h: dict[str, str], **params: Any) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        r = await client.get("/api/v1/inbox", params={"status": "all", **params}, headers=h)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        return items[0] if items else None

    return await wait_for(found, what=f"inbox item {params}")


async def test_new_mail_convert_reply_and_customer_reply_threads(
    hub: Hub, client: httpx.AsyncClient, keys: Any, relay: Any
) -> None:
    h = keys.admin_h
    msp = await small_msp(client, h)
    customer = msp["customer"]
    await post(
        client,
        "/api/v1/contacts",
        {"customer_id": customer["id"], "email": "dana@acme.example", "name": "Dana"},
        h,
    )
    first = mail("Dana <dana@acme.example>", "Printer on floor 2 is jammed", "It beeps.\n")
    assert await deliver(hub, first) == 250

    item = await _item(client, h, customer_id=customer["id"])
    assert item["status"] == "inbox"
    assert item["sender"] == "dana@acme.example"
    assert item["customer_id"] == customer["id"]
    assert item["match_method"] == "contact"
    assert item["suggested_priority"] == "normal"
    assert any("matched by contact" in r for r in item["reasons"])
    stored = (await rows(id=item["id"]))[0]

    r = await client.post(
        f"/api/v1/inbox/{item['id']}/convert", json={"priority": "high"}, headers=h
    )
    assert r.status_code == 201, r.text
    task = r.json()["task"]
    assert task["title"] == "Printer on floor 2 is jammed"
    assert task["priority"] == "high"
    assert task["customer_id"] == customer["id"]
    assert "It beeps." in task["description"]
    # the SLA clock started when the mail arrived, not when someone converted it
    assert datetime.fromisoformat(task["arrived_at"]) == stored["received_at"]
    again = await client.post(f"/api/v1/inbox/{item['id']}/convert", json={}, headers=h)
    assert again.status_code == 200 and again.json()["task"]["id"] == task["id"]

    r = await client.post(
        f"/api/v1/tasks/{task['id']}/reply",
        json={"text": "We are on our way.", "status": "waiting_on_customer"},
        headers=h,
    )
    assert r.status_code == 202, r.text
    reply = r.json()
    sink, _ = relay
    await wait_for(lambda: _true(sink.messages), what="reply at the relay")
    sent = sink.messages[0]
    assert sent["To"] == "dana@acme.example"
    assert sent["Subject"] == f"Re: [#{task['id']}] Printer on floor 2 is jammed"
    assert sent["In-Reply-To"] == f"<{stored['message_id']}>"
    assert sent["Message-ID"] == f"<{reply['message_id']}>"
    assert sent["Reply-To"].startswith(f"support+t{task['id']}.")
    assert sent["Auto-Submitted"] is None  # a person wrote it
    assert "We are on our way." in sent.get_content()
    t = (await client.get(f"/api/v1/tasks/{task['id']}", headers=h)).json()
    assert t["status"] == "waiting_on_customer"
    assert t["first_response_at"] is not None

    answer = mail(
        "Dana <dana@acme.example>",
        f"Re: {sent['Subject']}",
        "Still jammed.\n\nOn Mon, 3 Dec 2026 at 10:00, MSP Support <support@msp.example> wrote:\n"
        "> We are on our way.\n",
        In_Reply_To=sent["Message-ID"],
        References=f"<{stored['message_id']}> {sent['Message-ID']}",
    )
    assert await deliver(hub, answer) == 250
    threaded = await wait_for(lambda: rows(status="threaded"), what="threaded reply")
    assert threaded[0]["task"] == task["id"]
    assert threaded[0]["thread_method"] == "signed_message_id"
    t = (await client.get(f"/api/v1/tasks/{task['id']}", headers=h)).json()
    assert t["status"] == "open"  # the customer's answer reopened it
    msgs = (await client.get(f"/api/v1/tasks/{task['id']}/messages", headers=h)).json()
    bodies = [(m["direction"], m["body"]) for m in msgs]
    assert bodies[-1] == ("inbound", "Still jammed.")
    assert ("outbound", "We are on our way.") in bodies
    # and no second inbox item or task for the reply
    listed = (await client.get("/api/v1/inbox", params={"status": "inbox"}, headers=h)).json()
    assert listed["total"] == 0


async def _true(value: Any) -> Any:
    return value
