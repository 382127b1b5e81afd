"""Uptime Kuma adapter.

Payloads follow Uptime Kuma's webhook provider (server/notification-providers/webhook.js:
``{heartbeat, monitor, msg}``; heartbeat status 0 DOWN / 1 UP per src/util.ts; ``time``
in UTC as ``YYYY-MM-DD HH:mm:ss.SSS``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plugins.rmm.adapters import uptimekuma
from plugins.rmm.alerts import PayloadError

MONITOR = {
    "id": 29,
    "name": "Acme webshop",
    "description": None,
    "pathName": "Acme webshop",
    "url": "https://shop.acme.example/health",
    "method": "GET",
    "hostname": None,
    "port": None,
    "type": "http",
    "interval": 60,
    "tags": [
        {"id": 1, "monitor_id": 29, "tag_id": 3, "name": "customer", "value": "acme"},
        {"id": 2, "monitor_id": 29, "tag_id": 4, "name": "site", "value": "cloud"},
    ],
}
DOWN = {
    "heartbeat": {
        "monitorID": 29,
        "status": 0,
        "time": "2026-12-03 18:13:13.527",
        "msg": "Request failed with status code 503",
        "important": True,
        "duration": 0,
        "timezone": "Europe/Berlin",
        "timezoneOffset": "+01:00",
        "localDateTime": "2026-12-03 19:13:13",
    },
    "monitor": MONITOR,
    "msg": "[Acme webshop] [🔴 Down] Request failed with status code 503",
}
UP = {
    "heartbeat": {
        **DOWN["heartbeat"],
        "status": 1,
        "time": "2026-12-03 18:20:00.001",
        "msg": "200 - OK",
    },
    "monitor": MONITOR,
    "msg": "[Acme webshop] [✅ Up] 200 - OK",
}


def test_down_heartbeat_fires() -> None:
    (alert,) = uptimekuma.parse(DOWN, {}, {})
    assert alert.source == "uptimekuma"
    assert alert.status == "firing"
    assert (alert.severity, alert.severity_rank) == ("down", "high")
    assert alert.title == "Acme webshop is down"
    assert alert.description == "Request failed with status code 503"
    assert alert.starts_at == datetime(2026, 12, 3, 18, 13, 13, 527000, tzinfo=UTC)
    assert alert.device == "shop.acme.example"
    assert (alert.customer_hint, alert.site) == ("acme", "cloud")
    assert alert.url == "https://shop.acme.example/health"


def test_up_heartbeat_resolves_same_fingerprint() -> None:
    (down,) = uptimekuma.parse(DOWN, {}, {})
    (up,) = uptimekuma.parse(UP, {}, {"base_url": "https://kuma.msp.example/"})
    assert up.status == "resolved"
    assert up.fingerprint == down.fingerprint
    assert up.ends_at == datetime(2026, 12, 3, 18, 20, 0, 1000, tzinfo=UTC)
    assert up.url == "https://kuma.msp.example/dashboard/29"


def test_test_button_gives_empty_batch() -> None:
    assert (
        uptimekuma.parse({"heartbeat": None, "monitor": None, "msg": "Uptime Kuma test"}, {}, {})
        == []
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {**DOWN, "heartbeat": {**DOWN["heartbeat"], "status": 7}},
            "heartbeat.status: expected 0, 1, 2 or 3",
        ),
        ({**DOWN, "heartbeat": {**DOWN["heartbeat"], "time": "now"}}, "heartbeat.time: not a time"),
        ({**DOWN, "heartbeat": {"status": 0}}, "heartbeat.time: missing"),
        ({**DOWN, "monitor": None}, "monitor: missing"),
        ({**DOWN, "monitor": {**MONITOR, "tags": [5]}}, "monitor.tags[0]: expected a JSON object"),
        ({}, "heartbeat: missing"),
    ],
)
def test_malformed_kuma_payload_names_the_field(body: dict, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        uptimekuma.parse(body, {}, {})
    assert str(caught.value).startswith(message)
