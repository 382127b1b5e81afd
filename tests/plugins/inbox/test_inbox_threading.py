"""Threading, reopening, auto-convert, noise, loops and idempotent intake, through SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
from inbox_helpers import deliver, mail, rows, wait_for

from hub.db.tables import Task
from hub.runtime import Hub
from plugins.inbox.receiver import H_KEY, SUBJECT
from plugins.inbox.tables import Outbox
from plugins.inbox.tokens import make_reply_address
from tests.hub.api.helpers import post, small_msp


async def _setup(client: httpx.AsyncClient, h: dict[str, str], **settings: Any) -> dict[str, Any]:
    msp = await small_msp(client, h)
    cid = msp["customer"]["id"]
    if settings:
        r = await client.patch(f"/api/v1/customers/{cid}", json={"settings": settings}, headers=h)
        assert r.status_code == 200, r.text
    await post(client, "/api/v1/contacts", {"customer_id": cid, "email": "dana@acme.example"}, h)
    task = await post(
        client,
        "/api/v1/tasks",
        {"customer_id": cid, "title": "VPN drops", "description": "x"},
        h,
    )
    return {**msp, "task": task}


async def _one(status: str, count: int = 1) -> list[dict[str, Any]]:
    async def ready() -> list[dict[str, Any]] | None:
        found = await rows(status=status)
        return found if len(found) >= count else None

    return await wait_for(ready, what=f"{count} {status} row(s)")


async def _messages(client: httpx.AsyncClient, h: dict[str, str], task_id: int) -> list[Any]:
    r = await client.get(f"/api/v1/tasks/{task_id}/messages", headers=h)
    assert r.status_code == 200, r.text
    return r.json()


async def test_subject_reference_alone_threads_only_people_on_the_task(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    h = keys.admin_h
    msp = await _setup(client, h)
    tid = msp["task"]["id"]
    stranger = mail("eve@evil.example", f"Re: [#{tid}] VPN drops", "Send me the passwords.")
    assert await deliver(hub, stranger) == 250
    held = await _one("inbox")
    assert held[0]["task"] is None and held[0]["customer"] is None
    assert held[0]["needs_review"] is True
    contact = mail("dana@acme.example", f"Re: [#{tid}] VPN drops", "It dropped again.")
    assert await deliver(hub, contact) == 250
    threaded = await _one("threaded")
    assert (threaded[0]["task"], threaded[0]["thread_method"]) == (tid, "subject")
    bodies = [m["body"] for m in await _messages(client, h, tid)]
    assert bodies == ["It dropped again."]


async def test_reply_address_token_threads_when_message_ids_were_rewritten(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    # Amazon SES replaces our Message-ID: the reply's In-Reply-To is useless, but the
    # signed Reply-To address still names the task, even for a sender we never saw.
    h = keys.admin_h
    msp = await _setup(client, h)
    tid = msp["task"]["id"]
    token = make_reply_address(tid, hub.settings.secret, "support@msp.example")
    reply = mail(
        "boss@elsewhere.example",
        "Re: your ticket",
        "Please prioritise.",
        to=token,
        In_Reply_To="<0100018c-rewritten@email.amazonses.com>",
    )
    assert await deliver(hub, reply, rcpts=[token]) == 250
    threaded = await _one("threaded")
    assert (threaded[0]["task"], threaded[0]["thread_method"]) == (tid, "reply_token")
    forged = token.replace(f"+t{tid}.", f"+t{tid + 1}.")
    assert await deliver(hub, mail("x@y.example", "hi", "forged"), rcpts=[forged]) == 250
    assert (await _one("inbox"))[0]["task"] is None


async def test_reply_to_closed_task_reopens_within_reopen_days_else_new_linked_task(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    h = keys.admin_h
    msp = await _setup(client, h, reopen_days=3)
    tid = msp["task"]["id"]
    for status in ("resolved", "closed"):
        task = (await client.get(f"/api/v1/tasks/{tid}", headers=h)).json()
        r = await client.patch(
            f"/api/v1/tasks/{tid}", json={"status": status, "version": task["version"]}, headers=h
        )
        assert r.status_code == 200, r.text
    assert await deliver(hub, mail("dana@acme.example", f"[#{tid}] again", "Broken again")) == 250
    await _one("threaded")
    assert (await client.get(f"/api/v1/tasks/{tid}", headers=h)).json()["status"] == "open"

    for status in ("resolved", "closed"):
        task = (await client.get(f"/api/v1/tasks/{tid}", headers=h)).json()
        await client.patch(
            f"/api/v1/tasks/{tid}", json={"status": status, "version": task["version"]}, headers=h
        )
    long_ago = datetime.now(UTC) - timedelta(days=10)
    await Task.update({Task.closed_at: long_ago}).where(Task.id == tid)
    assert (
        await deliver(hub, mail("dana@acme.example", f"[#{tid}] and again", "Months later")) == 250
    )
    second = await _one("threaded", 2)
    new_id = second[1]["task"]
    assert new_id != tid and second[1]["thread_method"] == "subject:linked"
    new = await Task.select().where(Task.id == new_id).first()
    assert new["linked_task_id"] == tid and new["customer"] == msp["customer"]["id"]
    assert (await client.get(f"/api/v1/tasks/{tid}", headers=h)).json()["status"] == "closed"


async def test_auto_convert_customer_gets_a_task_at_once_and_redelivery_is_one_task(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    h = keys.admin_h
    msp = await _setup(client, h, auto_convert=True)
    first = mail("ops@acme.example", "Server down", "Nothing answers.")
    assert await deliver(hub, first) == 250
    assert await deliver(hub, first) == 250  # the sender retried (JetStream dedup)
    converted = await _one("converted")
    # a redelivery that bypasses JetStream's duplicate window hits the table's unique key
    raw = first.as_bytes()
    await hub.bus_required.publish_durable(
        SUBJECT, raw, headers={H_KEY: converted[0]["intake_key"]}
    )
    await hub.bus_required.publish_durable(SUBJECT, raw)  # no key header: derived again
    tasks = await Task.select().where(Task.source == "email")
    assert len(tasks) == 1
    task = tasks[0]
    assert task["customer"] == msp["customer"]["id"] and task["title"] == "Server down"
    assert task["arrived_at"] == converted[0]["received_at"]
    assert len(await rows()) == 1
    assert len(await Task.select().where(Task.source == "email")) == 1


async def test_auto_replies_and_bounces_are_recorded_never_tasks_never_answered(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    h = keys.admin_h
    await _setup(client, h, auto_convert=True)
    ooo = mail(
        "dana@acme.example", "Automatic reply: VPN drops", "I am out", Auto_Submitted="auto-replied"
    )
    bounce = mail("MAILER-DAEMON@acme.example", "Undelivered Mail Returned to Sender", "550 no")
    bounce.replace_header(
        "Content-Type", 'multipart/report; report-type=delivery-status; boundary="b"'
    )
    for msg in (ooo, bounce):
        assert await deliver(hub, msg) == 250
    noise = await _one("noise", 2)
    assert sorted(r["noise_kind"] for r in noise) == ["auto_reply", "bounce"]
    assert all(msgspec.json.decode(r["noise_reasons"]) for r in noise)
    assert await Task.count().where(Task.source == "email") == 0
    assert await Outbox.count() == 0
    listed = (await client.get("/api/v1/inbox", params={"status": "noise"}, headers=h)).json()
    assert listed["total"] == 2


async def test_per_sender_rate_limit_stops_a_mail_loop(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    h = keys.admin_h
    await _setup(client, h)
    for i in range(23):
        assert await deliver(hub, mail("robot@loop.example", f"Ticket {i}", "ping")) == 250
    limited = await _one("rate_limited", 3)
    assert len(await _one("inbox", 20)) == 20
    assert len(limited) == 3
