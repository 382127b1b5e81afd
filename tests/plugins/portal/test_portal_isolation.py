"""Isolation: every portal route, asked by another customer's contact, answers 404.

Also: a plain contact sees only their own requests, a portal admin all of their
customer's, and no page or API response carries internal notes or time entries.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from hub.runtime import Hub
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

PNG = base64.b64encode(b"\x89PNG secret diagram").decode()

# (method, path template, JSON body) for every API route that names a request
API_ROUTES = [
    ("GET", "/portal/api/requests/{id}", None),
    ("POST", "/portal/api/requests/{id}/messages", {"body": "hello"}),
    ("POST", "/portal/api/requests/{id}/resolve", None),
    ("POST", "/portal/api/requests/{id}/reopen", None),
    ("GET", "/portal/api/requests/{id}/files/{sha}", None),
]
PAGE_ROUTES = [
    ("GET", "/portal/requests/{id}"),
    ("POST", "/portal/requests/{id}/reply"),
    ("POST", "/portal/requests/{id}/resolve"),
    ("POST", "/portal/requests/{id}/reopen"),
    ("GET", "/portal/requests/{id}/files/{sha}"),
]


@pytest.fixture
async def acme_request(app: Any, world: World, mailbox: Mailbox) -> dict[str, Any]:
    """A request Alice (Acme) submitted with an attachment."""
    h = await bearer(app, mailbox, "alice@acme.example")
    async with new_client(app) as c:
        out = await submit_api(
            h,
            c,
            attachments=[{"filename": "diagram.png", "content_type": "image/png", "content": PNG}],
        )
        detail = (await c.get(f"/portal/api/requests/{out['request_id']}", headers=h)).json()
    sha = detail["messages"][0]["attachments"][0]["sha256"]
    return {"id": out["request_id"], "sha": sha, "alice": h}


async def test_every_api_route_is_404_for_another_customers_contact(
    app: Any, hub: Hub, world: World, mailbox: Mailbox, acme_request: dict[str, Any]
) -> None:
    gina = await bearer(app, mailbox, "gina@globex.example")  # Globex portal admin
    async with new_client(app) as c:
        for method, template, body in API_ROUTES:
            path = template.format(id=acme_request["id"], sha=acme_request["sha"])
            r = await c.request(method, path, json=body, headers=gina)
            assert r.status_code == 404, (method, path, r.status_code, r.text)
            assert "Acme" not in r.text and "Printer" not in r.text
        listed = (await c.get("/portal/api/requests", headers=gina)).json()
        assert listed == []
        sub = acme_request["id"]
        r = await c.get(
            f"/portal/api/submissions/portal-{world.alice['id']}-{'0' * 32}", headers=gina
        )
        assert r.json()["state"] == "pending" and r.json()["request_id"] is None
        # Alice's own files still work (the 404s above are isolation, not broken routes)
        r = await c.get(
            f"/portal/api/requests/{sub}/files/{acme_request['sha']}", headers=acme_request["alice"]
        )
        assert r.status_code == 200 and r.content == base64.b64decode(PNG)
    # nothing changed on the task
    async with new_client(app) as c:
        detail = (await c.get(f"/portal/api/requests/{sub}", headers=acme_request["alice"])).json()
    assert detail["status"] == "open"
    assert [m["body"] for m in detail["messages"]] == ["Paper jam on floor 2"]


async def test_every_page_route_is_404_for_another_customers_contact(
    app: Any, world: World, mailbox: Mailbox, acme_request: dict[str, Any]
) -> None:
    async with browser_sign_in(app, mailbox, "gina@globex.example") as gina:
        page = await gina.get("/portal/requests")
        csrf = csrf_of(page.text)
        assert "Printer jams" not in page.text
        for method, template in PAGE_ROUTES:
            path = template.format(id=acme_request["id"], sha=acme_request["sha"])
            data = {"csrf_token": csrf, "body": "hi"} if method == "POST" else None
            r = await gina.request(method, path, data=data)
            assert r.status_code == 404, (method, path, r.status_code)
            assert "Printer" not in r.text and "text/html" in r.headers["content-type"]


async def test_plain_contact_sees_only_own_requests_admin_sees_all(
    app: Any, world: World, mailbox: Mailbox, acme_request: dict[str, Any]
) -> None:
    bob = await bearer(app, mailbox, "bob@acme.example")
    carol = await bearer(app, mailbox, "carol@acme.example")  # Acme portal admin
    async with new_client(app) as c:
        bobs = await submit_api(bob, c, subject="Bob's laptop")
        bob_list = [r["id"] for r in (await c.get("/portal/api/requests", headers=bob)).json()]
        assert bob_list == [bobs["request_id"]]
        r = await c.get(f"/portal/api/requests/{acme_request['id']}", headers=bob)
        assert r.status_code == 404
        r = await c.post(f"/portal/api/requests/{acme_request['id']}/resolve", headers=bob)
        assert r.status_code == 404
        carol_list = {r["id"] for r in (await c.get("/portal/api/requests", headers=carol)).json()}
        assert carol_list == {bobs["request_id"], acme_request["id"]}
        r = await c.get(f"/portal/api/requests/{acme_request['id']}", headers=carol)
        assert r.status_code == 200
        alice_list = [
            r["id"]
            for r in (await c.get("/portal/api/requests", headers=acme_request["alice"])).json()
        ]
        assert alice_list == [acme_request["id"]]


async def test_internal_notes_and_time_entries_never_reach_the_portal(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    world: World,
    mailbox: Mailbox,
    acme_request: dict[str, Any],
) -> None:
    task_id = acme_request["id"]
    r = await client.post(
        f"/api/v1/tasks/{task_id}/messages",
        json={"body": "SECRET-NOTE password is hunter2", "kind": "note"},
        headers=keys.admin_h,
    )
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/tasks/{task_id}/time",
        json={
            "technician_id": world.tech["id"],
            "minutes": 42,
            "started_at": "2026-01-05T09:00:00Z",
            "note": "SECRET-TIME onsite visit",
        },
        headers=keys.admin_h,
    )
    assert r.status_code == 201, r.text
    async with browser_sign_in(app, mailbox, "alice@acme.example") as alice:
        pages = [
            await alice.get(p)
            for p in (
                "/portal/requests",
                f"/portal/requests/{task_id}",
                "/portal/requests?status=all",
            )
        ]
        api = [
            await alice.get(p) for p in ("/portal/api/requests", f"/portal/api/requests/{task_id}")
        ]
    for r in pages + api:
        assert r.status_code == 200
        assert "SECRET" not in r.text and "hunter2" not in r.text
        assert "onsite" not in r.text
