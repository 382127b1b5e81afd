"""Submitting, reading, replying, resolving and reopening requests through the pages."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest

from hub.db.tables import Contact, Message, Task
from hub.runtime import Hub
from hub.services import messages, tasks
from hub.services.context import Actor
from plugins.portal.priorities import allowed_priorities
from tests.conftest import Keys
from tests.plugins.portal.conftest import (
    Mailbox,
    World,
    bearer,
    browser_sign_in,
    csrf_of,
    new_client,
    submit_api,
)

FORM = {
    "subject": "Outlook crashes",
    "description": "Every morning at start",
    "priority": "normal",
    "category": "Email",
    "affected": "PC-7",
}
TECH = Actor(name="technician:ann", channel="api", role="technician")


@pytest.mark.parametrize(
    ("floor", "rank", "vip", "expected"),
    [
        ("low", 3, False, ["high", "normal", "low"]),
        ("normal", 3, False, ["high", "normal"]),
        ("high", 5, False, ["high"]),
        ("low", 1, False, ["critical", "high", "normal", "low"]),
        ("normal", 4, True, ["critical", "high", "normal"]),
        ("critical", 9, False, ["critical"]),
        ("low", None, False, ["high", "normal", "low"]),
    ],
)
def test_allowed_priorities_rule(
    floor: str, rank: int | None, vip: bool, expected: list[str]
) -> None:
    assert allowed_priorities(floor, rank, vip) == expected


def _radios(html: str) -> list[str]:
    return re.findall(r'name="priority" value="(\w+)"', html)


async def test_form_offers_only_the_tiers_priorities(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    async with browser_sign_in(app, mailbox, "alice@acme.example") as alice:  # Bronze
        page = await alice.get("/portal/requests/new")
        assert _radios(page.text) == ["high", "normal"]
        assert 'value="normal" checked' in page.text
        r = await alice.post(
            "/portal/requests",
            files={"attachments": ("", b"")},
            data={**FORM, "priority": "critical", "csrf_token": csrf_of(page.text)},
        )
        assert r.status_code == 400
        assert 'id="priority-error"' in r.text and "Choose one of: high, normal." in r.text
        assert 'value="Outlook crashes"' in r.text  # what was typed is kept
    async with browser_sign_in(app, mailbox, "gina@globex.example") as gina:  # Gold rank 0
        page = await gina.get("/portal/requests/new")
        assert _radios(page.text) == ["critical", "high", "normal", "low"]
    await Contact.update({Contact.vip: True}).where(Contact.email == "bob@acme.example")
    async with browser_sign_in(app, mailbox, "bob@acme.example") as bob:
        assert _radios((await bob.get("/portal/requests/new")).text) == [
            "critical",
            "high",
            "normal",
        ]
    assert await Task.count() == 0


async def test_invalid_form_shows_errors_next_to_fields_and_files_nothing(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    async with browser_sign_in(app, mailbox, "alice@acme.example") as alice:
        page = await alice.get("/portal/requests/new")
        r = await alice.post(
            "/portal/requests",
            data={
                "csrf_token": csrf_of(page.text),
                "subject": " ",
                "description": "",
                "priority": "normal",
                "category": "Nope",
            },
        )
        assert r.status_code == 400
        for field, text in (
            ("subject", "Enter a short subject."),
            ("description", "Describe the problem"),
            ("category", "Choose a category from the list."),
        ):
            assert f'id="{field}-error"' in r.text and text in r.text
            assert re.search(
                rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', r.text, re.S
            ), field
        assert 'role="alert"' in r.text
        big = b"x" * (1024 * 1024 + 1)
        r = await alice.post(
            "/portal/requests",
            data={**FORM, "csrf_token": csrf_of(page.text)},
            files={"attachments": ("dump.bin", big)},
        )
        assert r.status_code == 400 and "dump.bin is larger than 1 MB." in r.text
        many = [("attachments", (f"f{i}.txt", b"x")) for i in range(4)]
        r = await alice.post(
            "/portal/requests", data={**FORM, "csrf_token": csrf_of(page.text)}, files=many
        )
        assert r.status_code == 400 and "Attach at most 3 files." in r.text
    assert await Task.count() == 0


async def test_page_submission_with_attachment_then_reply_and_status_changes(
    app: Any, hub: Hub, world: World, mailbox: Mailbox
) -> None:
    content = b"%PDF-1.4 invoice"
    async with browser_sign_in(app, mailbox, "alice@acme.example") as alice:
        page = await alice.get("/portal/requests/new")
        r = await alice.post(
            "/portal/requests",
            data={**FORM, "csrf_token": csrf_of(page.text), "submission_id": "cd" * 16},
            files={"attachments": ("../../etc/report.pdf", content, "application/pdf")},
        )
        assert r.status_code == 303, r.text
        location = r.headers["location"]
        task_id = int(re.search(r"/portal/requests/(\d+)", location).group(1))  # type: ignore[union-attr]
        detail = await alice.get(location)
        assert "Thank you: your request was received." in detail.text
        assert "Outlook crashes" in detail.text and "report.pdf" in detail.text
        sha = hashlib.sha256(content).hexdigest()
        stored = hub.settings.files_dir / sha[:2] / sha[2:4] / sha
        assert stored.read_bytes() == content
        f = await alice.get(f"/portal/requests/{task_id}/files/{sha}")
        assert f.content == content
        assert f.headers["content-disposition"].startswith('attachment; filename="report.pdf"')
        assert f.headers["x-content-type-options"] == "nosniff"
        # resubmitting the same form (double click) gives the same request
        again = await alice.post(
            "/portal/requests",
            data={**FORM, "csrf_token": csrf_of(page.text), "submission_id": "cd" * 16},
        )
        assert again.headers["location"].startswith(f"/portal/requests/{task_id}")
        assert await Task.count() == 1

        await tasks.set_status(hub, task_id, "waiting_on_customer", TECH)
        csrf = csrf_of(detail.text)
        r = await alice.post(
            f"/portal/requests/{task_id}/reply", data={"csrf_token": csrf, "body": ""}
        )
        assert r.status_code == 400 and "Write your reply." in r.text
        r = await alice.post(
            f"/portal/requests/{task_id}/reply",
            data={"csrf_token": csrf, "body": "Here is the log"},
            files={"attachments": ("log.txt", b"boot failed")},
        )
        assert r.status_code == 303
        task = await Task.select(Task.status).where(Task.id == task_id).first()
        assert task["status"] == "open"  # the reply reopened the waiting request
        last = (
            await Message.select()
            .where(Message.task == task_id)
            .order_by(Message.id, ascending=False)
            .first()
        )
        assert (last["direction"], last["author_kind"], last["channel"]) == (
            "inbound",
            "contact",
            "portal",
        )
        assert "log.txt" in (await alice.get(f"/portal/requests/{task_id}")).text

        r = await alice.post(f"/portal/requests/{task_id}/reopen", data={"csrf_token": csrf})
        assert r.status_code == 409 and "only a resolved request can be reopened" in r.text
        r = await alice.post(f"/portal/requests/{task_id}/resolve", data={"csrf_token": csrf})
        assert r.status_code == 303
        page = await alice.get(f"/portal/requests/{task_id}")
        assert "Resolved" in page.text and "/reopen" in page.text
        r = await alice.post(f"/portal/requests/{task_id}/reopen", data={"csrf_token": csrf})
        assert r.status_code == 303
        assert (await Task.select(Task.status).where(Task.id == task_id).first())["status"] == (
            "open"
        )
        listing = await alice.get("/portal/requests")
        assert f"/portal/requests/{task_id}" in listing.text
        done = await alice.get("/portal/requests?status=done")
        assert f"/portal/requests/{task_id}" not in done.text


async def test_api_resolve_reopen_reply_and_closed_requests(
    app: Any, hub: Hub, world: World, mailbox: Mailbox
) -> None:
    h = await bearer(app, mailbox, "alice@acme.example")
    async with new_client(app) as c:
        out = await submit_api(h, c)
        tid = out["request_id"]
        r = await c.post(f"/portal/api/requests/{tid}/resolve", headers=h)
        assert r.json() == {"id": tid, "status": "resolved"}
        assert (await c.post(f"/portal/api/requests/{tid}/resolve", headers=h)).status_code == 409
        r = await c.post(
            f"/portal/api/requests/{tid}/messages", headers=h, json={"body": "It is back"}
        )
        assert r.status_code == 201 and r.json()["status"] == "open"
        await tasks.set_status(hub, tid, "resolved", TECH)
        await tasks.set_status(hub, tid, "closed", TECH)
        r = await c.post(f"/portal/api/requests/{tid}/messages", headers=h, json={"body": "x"})
        assert r.status_code == 409 and "closed" in r.json()["detail"]
        r = await c.post(f"/portal/api/requests/{tid}/reopen", headers=h)
        assert r.status_code == 409
        r = await c.post(f"/portal/api/requests/{tid}/messages", headers=h, json={"body": ""})
        assert r.status_code == 400 and r.json()["extra"]["errors"] == {"body": "Write your reply."}
        bad = await c.post(
            "/portal/api/requests",
            headers=h,
            json={"subject": "", "description": "d", "priority": "low", "category": "Email"},
        )
        assert bad.status_code == 400
        assert set(bad.json()["extra"]["errors"]) == {"subject", "priority"}
        sub = await c.get(f"/portal/api/submissions/{out['submission_id']}", headers=h)
        assert sub.json() == {
            "submission_id": out["submission_id"],
            "state": "created",
            "request_id": tid,
        }


async def test_replies_by_mail_and_on_other_sources_are_not_mailed_by_the_portal(
    app: Any, hub: Hub, client: httpx.AsyncClient, keys: Keys, world: World, mailbox: Mailbox
) -> None:
    h = await bearer(app, mailbox, "alice@acme.example")
    async with new_client(app) as c:
        tid = (await submit_api(h, c))["request_id"]
    await messages.add_message(
        hub,
        tid,
        direction="outbound",
        channel="email",
        author="ann@msp.example",
        author_kind="technician",
        body="mailed by the inbox",
        public=True,
        actor=TECH,
    )
    r = await client.post(
        "/api/v1/tasks",
        headers=keys.admin_h,
        json={"customer_id": world.acme["id"], "title": "phone call"},
    )
    other = r.json()["id"]
    await messages.add_message(
        hub,
        other,
        direction="outbound",
        channel="api",
        author="ann",
        author_kind="technician",
        body="not a portal task",
        public=True,
        actor=TECH,
    )
    await messages.add_message(
        hub,
        tid,
        direction="outbound",
        channel="api",
        author="ann",
        author_kind="technician",
        body="portal comment",
        public=True,
        actor=TECH,
    )
    mail = await mailbox.wait_for(lambda m: m.key.startswith("portal-reply:"))
    assert "portal comment" in mail.text
    assert [m for m in mailbox.mails if m.key.startswith("portal-reply:")] == [mail]


async def test_submission_is_refused_with_503_when_the_bus_is_down(
    app: Any, hub: Hub, world: World, mailbox: Mailbox
) -> None:
    h = await bearer(app, mailbox, "alice@acme.example")
    assert hub.nats is not None
    await hub.nats.stop()
    async with new_client(app) as c:
        r = await c.post(
            "/portal/api/requests",
            headers=h,
            json={"subject": "s", "description": "d", "priority": "normal", "category": "Email"},
        )
    assert r.status_code == 503
    assert await Task.count() == 0
