"""End-to-end flow over HTTP: submit, task over NATS, confirmation, replies mailed."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.db.tables import Message, Task
from hub.runtime import Hub
from plugins.portal.tables import PortalRequest
from tests.conftest import Keys
from tests.plugins.portal.conftest import Mailbox, World, bearer, new_client, submit_api


async def test_submission_becomes_portal_task_with_sla_from_submission_time(
    app: Any, hub: Hub, world: World, mailbox: Mailbox
) -> None:
    h = await bearer(app, mailbox, "alice@acme.example")
    before = datetime.now(UTC)
    async with new_client(app) as c:
        out = await submit_api(
            h,
            c,
            subject="VPN down",
            description="Cannot connect since 9:00",
            priority="high",
            category="Network / internet",
            affected="PC-0042",
            attachments=[
                {
                    "filename": "error.png",
                    "content_type": "image/png",
                    "content": base64.b64encode(b"\x89PNG fake").decode(),
                }
            ],
        )
    task = await Task.select().where(Task.id == out["request_id"]).first()
    assert task["source"] == "portal"
    assert task["customer"] == world.acme["id"]
    assert task["priority"] == "high"
    assert task["category"] == "Network / internet"
    assert task["intake_key"] == out["submission_id"]
    assert task["intake_key"].startswith(f"portal-{world.alice['id']}-")
    assert "PC-0042" in task["description"]
    # the SLA clock starts at submission, before the consumer created the task
    assert before - timedelta(seconds=1) <= task["arrived_at"] <= task["created_at"]
    assert task["first_response_due_at"] is not None
    req = await PortalRequest.select().where(PortalRequest.task == task["id"]).first()
    assert req["contact"] == world.alice["id"] and req["affected"] == "PC-0042"
    opening = await Message.select().where(Message.task == task["id"]).first()
    assert opening["channel"] == "portal" and opening["author_kind"] == "contact"
    assert '"error.png"' in opening["attachments"]
    confirm = await mailbox.wait_for(lambda m: m.subject.startswith(f"[#{task['id']}] Request"))
    assert confirm.to == ["alice@acme.example"]
    assert f"http://portal.test/portal/requests/{task['id']}" in confirm.text


async def test_same_submission_id_twice_makes_one_task(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    h = await bearer(app, mailbox, "alice@acme.example")
    async with new_client(app) as c:
        first = await submit_api(h, c, submission_id="ab" * 16)
        second = await submit_api(h, c, submission_id="ab" * 16)
    assert first["request_id"] == second["request_id"]
    assert await Task.count().where(Task.source == "portal") == 1


async def test_technician_public_comment_is_mailed_once_and_notes_never(
    app: Any, client: httpx.AsyncClient, keys: Keys, world: World, mailbox: Mailbox
) -> None:
    h = await bearer(app, mailbox, "alice@acme.example")
    async with new_client(app) as c:
        out = await submit_api(h, c)
        task_id = out["request_id"]
        r = await client.post(
            f"/api/v1/tasks/{task_id}/messages",
            json={"body": "Internal: check toner", "kind": "note"},
            headers=keys.admin_h,
        )
        assert r.status_code == 201
        r = await client.post(
            f"/api/v1/tasks/{task_id}/messages",
            json={"body": "We replaced the fuser.", "kind": "public_comment"},
            headers=keys.admin_h,
        )
        assert r.status_code == 201
        reply = await mailbox.wait_for(lambda m: m.key.startswith("portal-reply:"))
        assert reply.to == ["alice@acme.example"]
        assert "We replaced the fuser." in reply.text
        detail = (await c.get(f"/portal/api/requests/{task_id}", headers=h)).json()
    bodies = [m["body"] for m in detail["messages"]]
    assert "We replaced the fuser." in bodies
    assert not any("Internal" in b for b in bodies)
    replies = [m for m in mailbox.mails if m.key.startswith("portal-reply:")]
    assert len(replies) == 1
    assert all("Internal" not in m.text for m in mailbox.mails)
