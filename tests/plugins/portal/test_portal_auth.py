"""Signing in: magic links, passwords, sessions, CSRF, rate limits, no enumeration."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.db.tables import Contact
from plugins.portal.settings import parse_settings
from plugins.portal.tables import PortalLoginToken, PortalSession
from plugins.portal.tokens import token_hash
from tests.conftest import Keys
from tests.plugins.portal.conftest import (
    Mailbox,
    World,
    bearer,
    browser_sign_in,
    csrf_of,
    magic_token,
    new_client,
)


async def test_magic_link_is_single_use_and_only_its_hash_is_stored(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    async with new_client(app) as c:
        token = await magic_token(c, mailbox, "alice@acme.example")
        rows = await PortalLoginToken.select(PortalLoginToken.token_hash)
        assert [r["token_hash"] for r in rows] == [token_hash(token)]
        first = await c.post("/portal/api/auth/exchange", json={"token": token})
        assert first.status_code == 201
        session = first.json()
        assert session["token_type"] == "bearer" and session["csrf_token"]
        stored = await PortalSession.select(PortalSession.token_hash)
        assert [r["token_hash"] for r in stored] == [token_hash(session["token"])]
        again = await c.post("/portal/api/auth/exchange", json={"token": token})
        assert again.status_code == 401
        assert "already used" in again.json()["detail"]
        me = await c.get("/portal/api/me", headers={"Authorization": f"Bearer {session['token']}"})
        assert me.json()["email"] == "alice@acme.example"
        assert me.json()["customer"] == "Acme Corp"


async def test_expired_magic_link_is_refused(app: Any, world: World, mailbox: Mailbox) -> None:
    async with new_client(app) as c:
        token = await magic_token(c, mailbox, "alice@acme.example")
        await PortalLoginToken.update(
            {PortalLoginToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}
        ).where(PortalLoginToken.token_hash == token_hash(token))
        page = await c.get(f"/portal/auth/{token}")
        assert page.status_code == 400 and "expired" in page.text
        r = await c.post("/portal/api/auth/exchange", json={"token": token})
        assert r.status_code == 401


async def test_opening_the_link_does_not_use_it_only_the_button_does(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    async with new_client(app) as c:
        token = await magic_token(c, mailbox, "alice@acme.example")
        for _ in range(2):  # a mail scanner fetching the link first
            page = await c.get(f"/portal/auth/{token}")
            assert page.status_code == 200 and 'name="token"' in page.text
        r = await c.post("/portal/auth", data={"token": token, "csrf_token": csrf_of(page.text)})
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "atlas_portal_session=" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie and "Path=/portal" in cookie
        assert "Secure" not in cookie  # base_url is plain http in these tests
        listing = await c.get("/portal/requests")
        assert listing.status_code == 200 and "alice@acme.example" in listing.text


async def test_unknown_address_gets_the_same_answer_and_no_mail(
    app: Any, client: httpx.AsyncClient, keys: Keys, world: World, mailbox: Mailbox
) -> None:
    await Contact.update({Contact.portal_access: False}).where(Contact.email == "bob@acme.example")
    async with new_client(app) as c:
        answers = []
        for email in ("alice@acme.example", "nobody@acme.example", "bob@acme.example"):
            r = await c.post("/portal/api/auth/magic-link", json={"email": email})
            answers.append((r.status_code, r.json()))
        assert answers[0] == answers[1] == answers[2]
        pages = []
        for email in ("alice@acme.example", "nobody@acme.example"):
            form = await c.get("/portal/sign-in")
            r = await c.post(
                "/portal/sign-in", data={"email": email, "csrf_token": csrf_of(form.text)}
            )
            pages.append((r.status_code, r.text.replace(email, "EMAIL")))
        assert pages[0] == pages[1]
    await mailbox.wait_for(lambda m: "alice@acme.example" in m.to)
    await asyncio.sleep(0.3)
    assert {a for m in mailbox.mails for a in m.to} == {"alice@acme.example"}


async def test_sign_in_attempts_are_rate_limited_for_known_and_unknown_addresses(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    async with new_client(app) as c:
        for email in ("alice@acme.example", "ghost@acme.example"):
            codes = []
            for _ in range(6):
                r = await c.post("/portal/api/auth/magic-link", json={"email": email})
                codes.append(r.status_code)
            assert codes == [202] * 5 + [429]
            assert r.headers["retry-after"] == str(15 * 60)
            assert "too many sign-in attempts" in r.json()["detail"]
        # limits are per address: another contact on the same network still gets a link
        token = await magic_token(c, mailbox, "bob@acme.example")
        r = await c.post("/portal/api/auth/exchange", json={"token": token})
        assert r.status_code == 201
        form = await c.get("/portal/sign-in")
        r = await c.post(
            "/portal/sign-in/password",
            data={
                "email": "alice@acme.example",
                "password": "x" * 12,
                "csrf_token": csrf_of(form.text),
            },
        )
        assert r.status_code == 429 and "too many sign-in attempts" in r.text


async def test_password_sign_in_after_setting_one(app: Any, world: World, mailbox: Mailbox) -> None:
    async with browser_sign_in(app, mailbox, "alice@acme.example") as alice:
        page = await alice.get("/portal/account")
        csrf = csrf_of(page.text)
        r = await alice.post(
            "/portal/account/password",
            data={"csrf_token": csrf, "password": "short", "password_confirm": "short"},
        )
        assert r.status_code == 400
        assert 'id="password-error"' in r.text and "at least 10 characters" in r.text
        assert 'aria-invalid="true"' in r.text
        r = await alice.post(
            "/portal/account/password",
            data={
                "csrf_token": csrf,
                "password": "correct horse",
                "password_confirm": "correct hors",
            },
        )
        assert r.status_code == 400 and "not the same" in r.text
        r = await alice.post(
            "/portal/account/password",
            data={
                "csrf_token": csrf,
                "password": "correct horse",
                "password_confirm": "correct horse",
            },
        )
        assert r.status_code == 303
    stored = (
        await Contact.select(Contact.password_hash)
        .where(Contact.email == "alice@acme.example")
        .first()
    )
    assert stored["password_hash"].startswith("$argon2")
    async with new_client(app) as c:
        form = await c.get("/portal/sign-in")
        csrf = csrf_of(form.text)
        wrong = await c.post(
            "/portal/sign-in/password",
            data={"email": "alice@acme.example", "password": "wrong horse", "csrf_token": csrf},
        )
        unknown = await c.post(
            "/portal/sign-in/password",
            data={"email": "ghost@acme.example", "password": "wrong horse", "csrf_token": csrf},
        )
        assert wrong.status_code == unknown.status_code == 401
        assert "not correct" in wrong.text
        assert wrong.text.replace("alice@acme.example", "E") == unknown.text.replace(
            "ghost@acme.example", "E"
        )
        ok = await c.post(
            "/portal/sign-in/password",
            data={"email": "Alice@Acme.example", "password": "correct horse", "csrf_token": csrf},
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/portal/requests"
        api = await c.post(
            "/portal/api/auth/password",
            json={"email": "alice@acme.example", "password": "correct horse"},
        )
        assert api.status_code == 201 and api.json()["token"]
        bad = await c.post(
            "/portal/api/auth/password", json={"email": "alice@acme.example", "password": "nope"}
        )
        assert bad.status_code == 401


async def test_forms_without_the_csrf_token_are_refused(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    async with new_client(app) as c:
        r = await c.post("/portal/sign-in", data={"email": "alice@acme.example"})
        assert r.status_code == 400 and "reload the page" in r.text
    async with browser_sign_in(app, mailbox, "alice@acme.example") as alice:
        r = await alice.post(
            "/portal/requests",
            data={
                "subject": "x",
                "description": "y",
                "priority": "normal",
                "category": "Hardware",
                "csrf_token": "forged",
            },
        )
        assert r.status_code == 400
        r = await alice.post("/portal/sign-out", data={})
        assert r.status_code == 400
        # the JSON API with the cookie needs the header; the session's token works
        r = await alice.post(
            "/portal/api/requests",
            json={"subject": "x", "description": "y", "priority": "normal", "category": "Hardware"},
        )
        assert r.status_code == 403 and "X-CSRF-Token" in r.json()["detail"].replace(
            "x-csrf-token", "X-CSRF-Token"
        )
        csrf = (await alice.get("/portal/api/me")).json()["csrf_token"]
        r = await alice.post(
            "/portal/api/requests",
            headers={"X-CSRF-Token": csrf},
            json={"subject": "x", "description": "y", "priority": "normal", "category": "Hardware"},
        )
        assert r.status_code == 202, r.text


async def test_sign_out_ends_the_session_on_the_server(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    async with browser_sign_in(app, mailbox, "alice@acme.example") as alice:
        cookie = alice.cookies.get("atlas_portal_session")
        page = await alice.get("/portal/requests")
        r = await alice.post("/portal/sign-out", data={"csrf_token": csrf_of(page.text)})
        assert r.status_code == 303 and "signed_out" in r.headers["location"]
    async with new_client(app) as replay:
        replay.cookies.set("atlas_portal_session", cookie, domain="portal.test", path="/portal")
        r = await replay.get("/portal/requests")
        assert r.status_code == 303 and r.headers["location"] == "/portal/sign-in"
    h = await bearer(app, mailbox, "bob@acme.example")
    async with new_client(app) as c:
        assert (await c.post("/portal/api/auth/sign-out", headers=h)).status_code == 204
        assert (await c.get("/portal/api/me", headers=h)).status_code == 401


async def test_withdrawn_portal_access_ends_existing_sessions(
    app: Any, world: World, mailbox: Mailbox
) -> None:
    h = await bearer(app, mailbox, "alice@acme.example")
    await Contact.update({Contact.portal_access: False}).where(
        Contact.email == "alice@acme.example"
    )
    async with new_client(app) as c:
        r = await c.get("/portal/api/requests", headers=h)
        assert r.status_code == 401


async def test_signed_out_visitors_are_sent_to_sign_in_or_get_401(app: Any, world: World) -> None:
    async with new_client(app) as c:
        for path in (
            "/portal/",
            "/portal/requests",
            "/portal/requests/new",
            "/portal/requests/1",
            "/portal/account",
        ):
            r = await c.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/portal/sign-in", path
        for method, path in (
            ("GET", "/portal/api/requests"),
            ("GET", "/portal/api/me"),
            ("POST", "/portal/api/requests"),
            ("GET", "/portal/api/requests/1"),
            ("POST", "/portal/api/requests/1/resolve"),
        ):
            r = await c.request(method, path, json={} if method == "POST" else None)
            assert r.status_code == 401, (path, r.status_code)
        r = await c.get("/portal/api/requests", headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401


def test_cookie_secure_follows_base_url_unless_set() -> None:
    assert parse_settings({"base_url": "https://help.msp.example"}).secure_cookies is True
    assert parse_settings({"base_url": "http://127.0.0.1:8080"}).secure_cookies is False
    assert parse_settings({"base_url": "http://x.test", "cookie_secure": True}).secure_cookies


async def test_api_routes_are_documented_in_openapi(app: Any, world: World) -> None:
    async with new_client(app) as c:
        r = await c.get("/schema/openapi.json")
    assert r.status_code == 200, r.text
    paths = r.json()["paths"]
    assert "/portal/api/requests/{task_id}" in paths
    assert "/portal/api/auth/exchange" in paths
    assert not any(p.startswith("/portal/requests") for p in paths)  # pages are not API
