"""Helpers for the RMM HTTP tests: configured sources, signing, waiting for the consumer."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from plugins.rmm.signatures import sign
from plugins.rmm.tables import RmmIntake

PROM_TOKEN = "prom-token-0123456789"
GRAFANA_SECRET = "grafana-hmac-secret"
TACTICAL_TOKEN = "tactical-token-abc"
ZABBIX_TOKEN = "zabbix-token-xyz"
KUMA_TOKEN = "kuma-token-123"
GENERIC_SECRET = "generic-hmac-secret"
DATTO_TOKEN = "datto-token-456"

RMM_CONFIG: dict[str, Any] = {
    "customer_mapping": {"acme": "Acme Corp"},
    "sources": {
        "prom": {"adapter": "alertmanager", "auth": {"mode": "bearer", "secret": PROM_TOKEN}},
        "grafana": {
            "adapter": "grafana",
            "auth": {
                "mode": "hmac_sha256",
                "secret": GRAFANA_SECRET,
                "header": "X-Grafana-Signature",
            },
            "default_customer": "Globex",
        },
        "tactical": {
            "adapter": "tacticalrmm",
            "auth": {"mode": "header_token", "secret": TACTICAL_TOKEN, "header": "X-Atlas-Token"},
            "customer_mapping": {"acme ltd": "Acme Corp"},
        },
        "zabbix": {"adapter": "zabbix", "auth": {"mode": "bearer", "secret": ZABBIX_TOKEN}},
        "kuma": {
            "adapter": "uptimekuma",
            "auth": {"mode": "header_token", "secret": KUMA_TOKEN, "header": "X-Atlas-Token"},
        },
        "generic": {
            "adapter": "generic",
            "auth": {
                "mode": "hmac_sha256",
                "secret": GENERIC_SECRET,
                "timestamp_header": "X-Timestamp",
                "sign_timestamp": True,
            },
        },
        # a Datto-RMM-style body posted through the generic adapter's field mapping
        "datto": {
            "adapter": "generic",
            "auth": {"mode": "bearer", "secret": DATTO_TOKEN},
            "settings": {
                "alerts_path": "",
                "fields": {
                    "id": "alertUid",
                    "status": "state",
                    "severity": "priority",
                    "title": "alertMessage",
                    "device": "device.hostname",
                    "customer": "site.customer",
                    "site": "site.name",
                    "starts_at": "timestamp",
                },
                "status_map": {"open": "firing", "closed": "resolved"},
                "time_format": "unix_ms",
            },
        },
    },
}


def body_of(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def hmac_headers(secret: str, body: bytes, header: str = "X-Signature") -> dict[str, str]:
    return {header: "sha256=" + sign(secret, body), "Content-Type": "application/json"}


def generic_headers(body: bytes, secret: str = GENERIC_SECRET) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "X-Timestamp": ts,
        "X-Signature": sign(secret, body, ts),
        "Content-Type": "application/json",
    }


async def post_alert(
    client: httpx.AsyncClient, source: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await client.post(f"/hooks/rmm/{source}", content=body, headers=headers)


async def wait_processed(count: int, timeout: float = 20.0) -> None:
    """Wait until ``count`` webhook bodies have been committed by the consumer."""
    deadline = time.monotonic() + timeout
    while True:
        done = await RmmIntake.count()
        if done >= count:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"only {done} of {count} webhook bodies processed")
        await asyncio.sleep(0.05)


async def get_json(client: httpx.AsyncClient, path: str, h: dict[str, str], **params: Any) -> Any:
    r = await client.get(path, headers=h, params=params)
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json()
