"""Fixtures for the portal tests: two customers with contacts, mail capture, sign-in."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import nats
import pytest

from hub.app import create_app
from hub.contracts import OutboundMail
from hub.runtime import Hub
from tests.conftest import Keys
from tests.hub.api.helpers import TARGETS, post

#: plugins that are not under test stay off (their hooks would only add noise)
OTHERS_OFF = {
    name: {"enabled": False} for name in ("inbox", "rmm", "calendar", "billing", "triage")
}
PORTAL = {
    "msp_name": "Northwind IT",
    "base_url": "http://portal.test",
    "submit_wait_seconds": 5.0,
    "max_attachment_mb": 1,
    "max_attachments": 3,
}
LINK = re.compile(r"/portal/auth/([A-Za-z0-9_\-]+)")


@pytest.fixture
def plugin_config() -> dict[str, dict[str, Any]]:
    return {**OTHERS_OFF, "portal": dict(PORTAL)}


class Mailbox:
    """Every OutboundMail published on hub.out.mail while the fixture lives."""

    def __init__(self) -> None:
        self.mails: list[OutboundMail] = []
        self._arrived = asyncio.Event()

    async def handle(self, msg: Any) -> None:
        self.mails.append(msgspec.json.decode(msg.data, type=OutboundMail))
        self._arrived.set()

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> OutboundMail:
        async def scan() -> OutboundMail:
            while True:
                for mail in self.mails:
                    if predicate(mail):
                        return mail
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(scan(), timeout)

    def to(self, address: str) -> list[OutboundMail]:
        return [m for m in self.mails if address in m.to]


@pytest.fixture
async def mailbox(hub: Hub) -> AsyncIterator[Mailbox]:
    box = Mailbox()
    nc = await nats.connect(hub.nats_url)
    await nc.subscribe("hub.out.mail", cb=box.handle)
    await nc.flush()
    try:
        yield box
    finally:
        await nc.close()


@pytest.fixture
async def app(hub: Hub) -> Any:
    return create_app(hub=hub)


def new_client(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://portal.test")


class World(msgspec.Struct, kw_only=True):
    """Two customers; Acme has a plain contact, a second plain contact and an admin."""

    acme: dict[str, Any]
    globex: dict[str, Any]
    alice: dict[str, Any]  # Acme, plain
    bob: dict[str, Any]  # Acme, plain
    carol: dict[str, Any]  # Acme, portal admin
    gina: dict[str, Any]  # Globex, portal admin (the "second customer's contact")
    tech: dict[str, Any]


@pytest.fixture
async def world(client: httpx.AsyncClient, keys: Keys) -> World:
    h = keys.admin_h
    gold = await post(
        client, "/api/v1/sla-tiers", {"name": "Gold", "targets": TARGETS, "rank": 0}, h
    )
    bronze = await post(
        client,
        "/api/v1/sla-tiers",
        {"name": "Bronze", "targets": TARGETS, "rank": 3, "priority_floor": "normal"},
        h,
    )
    acme = await post(
        client, "/api/v1/customers", {"name": "Acme Corp", "sla_tier_id": bronze["id"]}, h
    )
    globex = await post(
        client, "/api/v1/customers", {"name": "Globex", "sla_tier_id": gold["id"]}, h
    )

    async def contact(customer: dict[str, Any], email: str, **extra: Any) -> dict[str, Any]:
        return await post(
            client,
            "/api/v1/contacts",
            {
                "customer_id": customer["id"],
                "email": email,
                "name": email.split("@")[0].title(),
                **extra,
            },
            h,
        )

    tech = await post(client, "/api/v1/technicians", {"name": "Ann", "email": "ann@msp.example"}, h)
    return World(
        acme=acme,
        globex=globex,
        alice=await contact(acme, "alice@acme.example"),
        bob=await contact(acme, "bob@acme.example"),
        carol=await contact(acme, "carol@acme.example", portal_admin=True),
        gina=await contact(globex, "gina@globex.example", portal_admin=True),
        tech=tech,
    )


async def magic_token(c: httpx.AsyncClient, mailbox: Mailbox, email: str) -> str:
    """Ask for a magic link through the API and return the token from the mail."""
    seen = {m.key for m in mailbox.mails}
    r = await c.post("/portal/api/auth/magic-link", json={"email": email})
    assert r.status_code == 202, r.text
    mail = await mailbox.wait_for(
        lambda m: email in m.to and "sign-in link" in m.subject and m.key not in seen
    )
    found = LINK.search(mail.text)
    assert found, mail.text
    return found.group(1)


async def bearer(app: Any, mailbox: Mailbox, email: str) -> dict[str, str]:
    """Authorization headers of a fresh bearer session for ``email``."""
    async with new_client(app) as c:
        token = await magic_token(c, mailbox, email)
        r = await c.post("/portal/api/auth/exchange", json={"token": token})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token in page"
    return found.group(1)


@asynccontextmanager
async def browser_sign_in(
    app: Any, mailbox: Mailbox, email: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in through the pages (cookie session), like a browser."""
    async with new_client(app) as c:
        yield await _page_sign_in(c, mailbox, email)


async def _page_sign_in(c: httpx.AsyncClient, mailbox: Mailbox, email: str) -> httpx.AsyncClient:
    page = await c.get("/portal/sign-in")
    seen = {m.key for m in mailbox.mails}
    r = await c.post("/portal/sign-in", data={"email": email, "csrf_token": csrf_of(page.text)})
    assert r.status_code == 200, r.text
    mail = await mailbox.wait_for(
        lambda m: email in m.to and "sign-in link" in m.subject and m.key not in seen
    )
    token = LINK.search(mail.text).group(1)  # type: ignore[union-attr]
    confirm = await c.get(f"/portal/auth/{token}")
    assert confirm.status_code == 200
    r = await c.post("/portal/auth", data={"token": token, "csrf_token": csrf_of(confirm.text)})
    assert r.status_code == 303 and r.headers["location"] == "/portal/requests", r.text
    return c


async def submit_api(
    headers: dict[str, str], c: httpx.AsyncClient, **fields: Any
) -> dict[str, Any]:
    body = {
        "subject": "Printer jams",
        "description": "Paper jam on floor 2",
        "priority": "normal",
        "category": "Printing",
        **fields,
    }
    r = await c.post("/portal/api/requests", json=body, headers=headers)
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["state"] == "created", out
    return out
