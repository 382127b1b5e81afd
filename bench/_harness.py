"""Shared benchmark plumbing: processes, wrk runs and figures.

Benchmarks compare against a baseline measured in the same run, because these machines
are shared and noisy: the ratio is the figure that counts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "atlas-hub"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


@contextmanager
def atlas_hub(extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """A real ``atlas-hub run`` in a temporary home; yields (base url, home)."""
    home = Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(extra_env or {})
    env.setdefault("ATLAS_LOG_LEVEL", "warning")
    proc = subprocess.Popen(
        [
            str(BIN),
            "run",
            "--home",
            str(home),
            "--http",
            f"127.0.0.1:{port}",
            "--smtp",
            f"127.0.0.1:{free_port()}",
        ],
        cwd=home,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(home / "hub.log", "w"),
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz")
        yield f"http://127.0.0.1:{port}", home
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        shutil.rmtree(home, ignore_errors=True)


def admin_key(home: Path) -> str:
    out = subprocess.run(
        [str(BIN), "apikey", "create", "--role", "admin", "--name", "bench", "--home", str(home)],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def api(base: str, key: str, method: str, path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"{}")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str,
    *,
    seconds: int = 8,
    connections: int = 16,
    threads: int = 2,
    script: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """Run wrk; return requests/s, p50 and p99 latency in ms, and non-2xx count."""
    if not shutil.which("wrk"):
        sys.exit("this benchmark needs wrk (Debian package 'wrk')")
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        path = Path(tempfile.mkstemp(suffix=".lua")[1])
        path.write_text(script)
        cmd += ["-s", str(path)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50": pct("50"),
        "p99": pct("99"),
        "non2xx": float(bad.group(1)) if bad else 0,
    }


def post_script(body: dict) -> str:
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = [[{json.dumps(body)}]]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
