"""A real Prometheus Alertmanager delivering to the hub's webhook over HTTP.

Needs Debian's ``prometheus-alertmanager`` (``/usr/bin/prometheus-alertmanager``);
skipped with the reason when it is not installed.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from rmm_http import PROM_TOKEN, get_json

from hub.app import create_app
from hub.nats_server import free_port
from tests.hub.api.helpers import small_msp

BINARY = shutil.which("prometheus-alertmanager") or "/usr/bin/prometheus-alertmanager"

CONFIG = """\
route:
  receiver: hub
  group_by: ['alertname', 'customer']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hub
    webhook_configs:
      - url: 'http://127.0.0.1:{hub_port}/hooks/rmm/prom'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '{token}'
"""


async def _wait_http(url: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as c:
        while True:
            try:
                if (await c.get(url)).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not come up")
            await asyncio.sleep(0.1)


@pytest.mark.skipif(
    not Path(BINARY).exists(),
    reason="prometheus-alertmanager not installed (apt-get install -y prometheus-alertmanager)",
)
async def test_real_alertmanager_delivers_alerts_that_become_tasks(
    hub, client, keys, tmp_path
) -> None:
    msp = await small_msp(client, keys.admin_h)
    hub_port, am_port = free_port(), free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(hub=hub), host="127.0.0.1", port=hub_port, log_level="warning", lifespan="on"
        )
    )
    serving = asyncio.create_task(server.serve())
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG.format(hub_port=hub_port, token=PROM_TOKEN))
    proc = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_http(f"http://127.0.0.1:{hub_port}/healthz")
        await _wait_http(f"http://127.0.0.1:{am_port}/-/ready")
        alert = {
            "labels": {
                "alertname": "InstanceDown",
                "instance": "sql01.acme.local:9182",
                "customer": "acme",
                "severity": "critical",
            },
            "annotations": {"summary": "sql01 is down"},
            "startsAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        async with httpx.AsyncClient() as am:
            r = await am.post(f"http://127.0.0.1:{am_port}/api/v2/alerts", json=[alert])
            assert r.status_code == 200, r.text
        deadline = time.monotonic() + 30
        while True:
            page = await get_json(client, "/api/v1/tasks", keys.admin_h, source="rmm")
            if page["items"] or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        (task,) = page["items"]
        assert (task["title"], task["priority"]) == ("sql01 is down", "critical")
        assert task["customer_id"] == msp["customer"]["id"]
        alerts = await get_json(client, "/api/v1/alerts", keys.admin_h, device="sql01.acme.local")
        assert alerts["items"][0]["labels"]["alertname"] == "InstanceDown"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        server.should_exit = True
        await serving
