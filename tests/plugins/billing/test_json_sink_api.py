"""The JSON webhook sink: a real local HTTP receiver that fails first, then succeeds."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
import pytest
from httpx import AsyncClient

from hub.runtime import Hub
from plugins.billing.json_export import from_json, verify
from tests.conftest import Keys
from tests.plugins.billing.api_helpers import RATE_CARD, Msp

SECRET = "webhook-secret"


class Receiver:
    """Answers 503 to the first ``fail_first`` requests, then 201; records them all."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.requests: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 503 if len(receiver.requests) < receiver.fail_first else 201
                receiver.requests.append((dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if status == 201:
                    self.send_header("Location", "https://books.example/inv/1")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/invoices"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    instance = Receiver(fail_first=2)
    thread = threading.Thread(target=instance.server.serve_forever, daemon=True)
    thread.start()
    yield instance
    instance.server.shutdown()
    instance.server.server_close()


@pytest.fixture
def plugin_config(receiver: Receiver) -> dict[str, dict[str, Any]]:
    return {
        "billing": {
            "sinks": ["json"],
            "json": {"url": receiver.url, "secret": SECRET},
            "retry_base_seconds": 0.2,
            "retry_max_seconds": 1.0,
            "max_attempts": 4,
        }
    }


async def test_webhook_retries_until_the_receiver_accepts_and_never_resends(
    client: AsyncClient, keys: Keys, hub: Hub, receiver: Receiver
) -> None:
    msp = Msp(client, keys.admin_h)
    await msp.put("/billing/rate-card", RATE_CARD)
    cid = await msp.customer()
    ann = await msp.technician("Ann")
    await msp.log(await msp.task(cid, "VPN"), ann, 90)
    final = await msp.finalise((await msp.draft(cid))["id"])
    for _ in range(100):
        export = (await msp.get(f"/invoices/{final['id']}"))["exports"][0]
        if export["status"] == "sent":
            break
        await asyncio.sleep(0.1)
    assert export["status"] == "sent", export
    assert export["attempts"] == 3 and export["reference"] == "https://books.example/inv/1"
    assert [status for _, _, status in receiver.requests] == [503, 503, 201]
    for headers, body, _ in receiver.requests:
        assert verify(body, SECRET, headers["X-Atlas-Signature"])
        assert headers["X-Atlas-Delivery"] == f"{final['id']}:json"
        document = from_json(body)
        assert document.number == "INV-000001" and f"{document.payable:f}" == final["gross_total"]
    # the same job again (a redelivery, a second publisher): acknowledged, not re-sent
    job = {"invoice_id": final["id"], "sink": "json", "export_key": f"{final['id']}:json"}
    await hub.bus_required.publish_durable(
        "hub.out.billing.json", msgspec.json.encode(job), key="again"
    )
    await msp.post(f"/invoices/{final['id']}/exports/retry", {}, status=201)
    await asyncio.sleep(1.0)
    assert len(receiver.requests) == 3


async def test_export_fails_after_max_attempts_is_dead_lettered_and_can_be_retried(
    client: AsyncClient, keys: Keys, hub: Hub, receiver: Receiver
) -> None:
    receiver.fail_first = 1_000
    msp = Msp(client, keys.admin_h)
    await msp.put("/billing/rate-card", RATE_CARD)
    cid = await msp.customer()
    await msp.log(await msp.task(cid, "VPN"), await msp.technician("Ann"), 30)
    final = await msp.finalise((await msp.draft(cid))["id"])

    async def export_status(wanted: str) -> dict[str, Any]:
        for _ in range(300):  # four attempts with back-off: allow for a loaded machine
            export = (await msp.get(f"/invoices/{final['id']}"))["exports"][0]
            if export["status"] == wanted:
                return export
            await asyncio.sleep(0.1)
        raise AssertionError(export)

    failed = await export_status("failed")
    assert failed["attempts"] == 4 and "503" in failed["last_error"]
    assert len(receiver.requests) == 4
    dead = await hub.bus_required.js.get_last_msg("HUB_DEAD", "hub.dead.hub.out.billing.json")
    assert msgspec.json.decode(dead.data)["export_key"] == f"{final['id']}:json"
    # the receiver is fixed: a retry through the API delivers it once
    receiver.fail_first = 0
    await msp.post(f"/invoices/{final['id']}/exports/retry", {}, status=201)
    sent = await export_status("sent")
    assert sent["attempts"] == 1 and len(receiver.requests) == 5
