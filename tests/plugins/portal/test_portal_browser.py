"""End to end in a real headless Chromium: magic link, submit with attachment, reply.

Serves the hub over real HTTP (uvicorn in this process) and drives Debian's chromium
with Playwright. Screenshots of every page (phone-sized, plus one desktop) go to
``test-output/portal/`` in the repository root.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from hub.app import create_app
from hub.runtime import Hub
from tests.conftest import REPO, Keys
from tests.plugins.portal.conftest import OTHERS_OFF, PORTAL, Mailbox, World

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "test-output" / "portal"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="chromium not installed at /usr/bin/chromium (apt-get install -y chromium)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def port() -> int:
    return _free_port()


@pytest.fixture
def plugin_config(port: int) -> dict[str, dict[str, Any]]:
    return {**OTHERS_OFF, "portal": {**PORTAL, "base_url": f"http://127.0.0.1:{port}"}}


@pytest.fixture
async def server(hub: Hub, port: int) -> AsyncIterator[str]:
    config = uvicorn.Config(
        create_app(hub=hub), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        await asyncio.wait_for(task, 10)


async def test_contact_signs_in_submits_and_sees_reply_in_chromium(
    server: str, hub: Hub, keys: Keys, world: World, mailbox: Mailbox, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright

    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    upload = tmp_path / "screenshot-of-error.png"
    upload.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 2048)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            phone = await browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=1,
                is_mobile=True,
                has_touch=True,
            )
            page = await phone.new_page()

            async def shot(name: str) -> None:
                await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

            await page.goto(f"{server}/portal/")
            assert page.url.endswith("/portal/sign-in")
            await shot("01-sign-in")
            await page.get_by_label("Email address").first.fill("alice@acme.example")
            await page.get_by_role("button", name="Email me a sign-in link").click()
            await page.wait_for_selector("text=Check your email")
            await shot("02-link-sent")

            mail = await mailbox.wait_for(lambda m: "sign-in link" in m.subject)
            link = re.search(r"http://\S+/portal/auth/\S+", mail.text).group(0)  # type: ignore[union-attr]
            assert link.startswith(server)
            await page.goto(link)
            await shot("03-confirm-sign-in")
            await page.get_by_role("button", name="Sign in").click()
            await page.wait_for_url(f"{server}/portal/requests")
            await shot("04-requests-empty")

            await page.get_by_role("link", name="New request").first.click()
            await page.wait_for_url(f"{server}/portal/requests/new")
            await page.get_by_label("Subject").fill("Scanner on floor 3 offline")
            await page.get_by_label("Description").fill(
                "The scanner shows 'network error' since this morning."
            )
            await page.get_by_label("High").check()
            await page.get_by_label("Category").select_option("Hardware")
            await page.get_by_label("Affected device or person").fill("SCAN-03")
            await page.get_by_label("Attachments").set_input_files(str(upload))
            await shot("05-new-request")
            await page.get_by_role("button", name="Submit request").click()
            await page.wait_for_url(re.compile(r".*/portal/requests/\d+\?notice=submitted"))
            task_id = int(re.search(r"/requests/(\d+)", page.url).group(1))  # type: ignore[union-attr]
            assert await page.get_by_text("screenshot-of-error.png").first.is_visible()
            await shot("06-request-submitted")

            await page.get_by_role("link", name="My requests").click()
            await page.wait_for_url(f"{server}/portal/requests")
            assert await page.get_by_role(
                "link", name=f"#{task_id} Scanner on floor 3 offline"
            ).is_visible()
            await shot("07-requests-list")

            async with httpx.AsyncClient(base_url=server) as api:
                r = await api.post(
                    f"/api/v1/tasks/{task_id}/messages",
                    headers=keys.admin_h,
                    json={
                        "body": "We restarted the scanner; please try again.",
                        "kind": "public_comment",
                    },
                )
                assert r.status_code == 201
            await page.get_by_role("link", name=f"#{task_id} Scanner on floor 3 offline").click()
            await page.wait_for_selector("text=We restarted the scanner; please try again.")
            assert await page.get_by_text("Northwind IT support").first.is_visible()
            await shot("08-request-with-reply")

            # nothing overflows the phone's width
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390

            desktop = await browser.new_context(viewport={"width": 1280, "height": 900})
            await desktop.add_cookies(await phone.cookies())
            dpage = await desktop.new_page()
            await dpage.goto(f"{server}/portal/requests/{task_id}")
            await dpage.screenshot(path=str(SHOTS / "09-request-desktop.png"), full_page=True)
        finally:
            await browser.close()
    reply = await mailbox.wait_for(lambda m: m.key.startswith("portal-reply:"))
    assert reply.to == ["alice@acme.example"]
    assert sorted(p.name for p in SHOTS.glob("*.png"))[0] == "01-sign-in.png"
