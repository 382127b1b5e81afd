"""Alerts/s through the RMM webhook to committed alert/task, next to a bare Litestar endpoint.

Both servers run as uvicorn processes on loopback and are loaded by ``wrk`` (Debian
package ``wrk``) with the same kind of body: one generic-format alert per POST, every
body different (a JetStream duplicate would not be work). The hub is ``atlas-hub run``
as it starts by default (webhook and embedded nats-server child in the run process, the
intake consumer in one worker process, SQLite; ``--workers 0`` for a single process). Its figure
is end to end: alerts accepted during the load window divided by the time until the
last of them is committed (``rmm_intake`` rows), which includes draining the backlog.
The alerts spread over 50 devices of 3 customers (a storm: mostly attach to tasks).

The bare baseline runs before and after the hub and the two are averaged. Also printed:
the webhook's accept rate during the load (``ratio_accept_vs_bare``) and
the consumer's drain rate once the load stopped (alerts committed after wrk finished,
divided by the time that took: the consumer alone, with no HTTP traffic), and the load
average before and after (the machine is shared: compare runs with similar load).

    python bench/rmm.py [--seconds 10] [--connections 32] [--workers 1]

Prints the rates and the ratio (the figure that counts; target >= 0.40).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, post

REPO = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789"
CUSTOMERS = ("Acme", "Globex", "Initech")

LUA = r"""
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  prefix = "t" .. tid .. "-" .. tostring(os.time())
end
local customers = {"Acme", "Globex", "Initech"}
request = function()
  counter = counter + 1
  local d = counter % 50
  local body = string.format(
    '{"id":"%s-%d","status":"firing","severity":"warning","title":"Check %d failed",' ..
    '"device":"host%02d","customer":"%s","starts_at":"2026-01-01T00:00:00Z"}',
    prefix, counter, counter % 100, d, customers[(d % 3) + 1])
  return wrk.format("POST", nil, {["Content-Type"]="application/json",
    ["Authorization"]="Bearer __TOKEN__"}, body)
end
""".replace("__TOKEN__", TOKEN)


@post("/bare", status_code=202)
async def bare(request: Request[Any, Any, Any]) -> dict[str, int]:
    """The baseline: read and decode the body, answer 202 (no auth, no bus, no store)."""
    body = msgspec.json.decode(await request.body())
    return {"accepted": 1 if isinstance(body, dict) else 0}


bare_app = Litestar([bare])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listening on {port}")


def run_wrk(url: str, seconds: int, connections: int, script: Path) -> tuple[int, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(out, file=sys.stderr)
        raise SystemExit(f"{non2xx.group(1)} requests failed")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return requests, rate


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def bench_bare(seconds: int, connections: int, script: Path) -> float:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.rmm:bare_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=REPO,
    )
    try:
        wait_port(port)
        _, rate = run_wrk(f"http://127.0.0.1:{port}/bare", seconds, connections, script)
        return rate
    finally:
        stop(proc)


def hub_env(home: Path, port: int) -> dict[str, str]:
    config = home / "plugins.toml"
    config.write_text(
        '[rmm]\n[rmm.sources.bench]\nadapter = "generic"\n'
        f'auth = {{ mode = "bearer", secret = "{TOKEN}" }}\n'
    )
    return os.environ | {
        "ATLAS_HOME": str(home),
        "ATLAS_PLUGINS_CONFIG": str(config),
        "ATLAS_HTTP": f"127.0.0.1:{port}",
        "ATLAS_SMTP": f"127.0.0.1:{free_port()}",
        "ATLAS_LOG_LEVEL": "warning",
    }


def committed(db: Path) -> int:
    con = sqlite3.connect(db, timeout=30)
    try:
        return int(con.execute("SELECT count(*) FROM rmm_intake").fetchone()[0])
    finally:
        con.close()


def bench_hub(
    seconds: int, connections: int, script: Path, workers: int = 0
) -> tuple[float, float, float | None, dict[str, int]]:
    home = Path(tempfile.mkdtemp(prefix="atlas-bench-rmm-"))
    port = free_port()
    env = hub_env(home, port) | {"ATLAS_WORKERS": str(workers)}
    cli = shutil.which("atlas-hub") or str(Path(sys.executable).parent / "atlas-hub")
    subprocess.run([cli, "migrate"], env=env, check=True, capture_output=True)
    db = home / "atlas.sqlite3"
    con = sqlite3.connect(db)
    now = "2026-01-01T00:00:00+00:00"
    con.executemany(
        "INSERT INTO customer (name, timezone, notes, settings, created_at, updated_at) "
        "VALUES (?, 'UTC', '', '{}', ?, ?)",
        [(name, now, now) for name in CUSTOMERS],
    )
    con.commit()
    con.close()
    proc = subprocess.Popen([cli, "run"], env=env, cwd=home)
    try:
        wait_port(port)
        time.sleep(1.0)
        started = time.monotonic()
        sent, accept_rate = run_wrk(
            f"http://127.0.0.1:{port}/hooks/rmm/bench", seconds, connections, script
        )
        load_done, backlog_start = time.monotonic(), committed(db)
        while committed(db) < sent:
            time.sleep(0.05)
        finished = time.monotonic()
        elapsed = finished - started
        backlog = sent - backlog_start
        # too small a backlog says nothing about the drain rate
        drain = backlog / (finished - load_done) if backlog >= 200 else None
        con = sqlite3.connect(db)
        counts = {
            "alerts": con.execute("SELECT count(*) FROM rmm_alert").fetchone()[0],
            "tasks": con.execute("SELECT count(*) FROM task").fetchone()[0],
            "notes": con.execute("SELECT count(*) FROM message").fetchone()[0],
            "sent": sent,
            "committed_during_load": backlog_start,
        }
        con.close()
        return accept_rate, sent / elapsed, drain, counts
    finally:
        stop(proc)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="intake worker processes (atlas-hub run --workers; 1 as run starts by default)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
        script = Path(f.name)
    load_before = os.getloadavg()[0]
    # the baseline brackets the hub run (before and after, averaged): on a shared machine
    # the load drifts within a minute, and one baseline taken earlier skews the ratio
    bare_before = bench_bare(args.seconds, args.connections, script)
    accept_rate, e2e_rate, drain, counts = bench_hub(
        args.seconds, args.connections, script, args.workers
    )
    bare_after = bench_bare(args.seconds, args.connections, script)
    bare_rate = (bare_before + bare_after) / 2
    print(
        json.dumps(
            {
                "hub_workers": args.workers,
                "bare_litestar_req_per_s": round(bare_rate),
                "bare_before_after": [round(bare_before), round(bare_after)],
                "webhook_accept_alerts_per_s": round(accept_rate),
                "end_to_end_committed_alerts_per_s": round(e2e_rate),
                "consumer_drain_alerts_per_s": round(drain) if drain else None,
                "ratio_end_to_end_vs_bare": round(e2e_rate / bare_rate, 3),
                "ratio_accept_vs_bare": round(accept_rate / bare_rate, 3),
                "load_average_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                **counts,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
