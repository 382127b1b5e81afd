"""Smart Inbox intake rate: SMTP 250 to committed inbox item (triage included).

Runs, in the same session and with the same SMTP clients:

1. baseline: a bare aiosmtpd server (own process) that only parses each message with
   ``email.policy.default`` and answers 250;
2. the hub: ``atlas-hub run`` as it starts by default (fresh home, embedded NATS,
   SQLite, one intake worker process) receiving over SMTP, publishing to JetStream, and
   its worker parsing, matching, triaging and committing inbox items; the clock stops
   when the API counts every message;
3. with ``--single``, also ``atlas-hub run --workers 0`` (everything in one process);
4. with ``--edge``, also the split set-up: ``atlas-hub smtp`` edge process + the hub
   consuming in its own process (``--workers 0``).

Prints messages/s for each, the ratio to the baseline (target >= 0.60) and how many
accepted messages did not arrive (must be 0). The baseline runs before and after the hub
and its mean is used, so load from other work on the machine drifts into both sides
alike; the load average is printed too. ``--disable triage`` switches plugins off in the
bench hub's ``plugins.toml`` to measure their share.

    python bench/inbox.py --messages 3000 --connections 4 [--single] [--edge] [--disable triage]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import httpx

from hub.nats_server import free_port

# the venv's console script, whether or not the venv is activated
ATLAS_HUB = str(Path(sys.executable).parent / "atlas-hub")

SINK = r"""
import asyncio, sys
from email import policy
from email.parser import BytesParser
from aiosmtpd.smtp import SMTP


class Sink:
    async def handle_DATA(self, server, session, envelope):
        BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        return "250 OK"

class Proto(SMTP):
    line_length_limit = 1024 * 1024

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Proto(Sink(), decode_data=False),
                                      "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def messages(n: int) -> list[bytes]:
    out = []
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = f"Person {i} <person{i}@customer{i % 50}.example>"
        msg["To"] = "support@msp.example"
        msg["Subject"] = f"Laptop {i} will not boot after update"
        msg["Message-ID"] = f"<bench-{i}-{time.time_ns()}@client.example>"
        msg.set_content(
            f"Hello,\n\nmy laptop (asset {i}) shows a blue screen since this morning's "
            "update. I tried restarting twice.\n\nThanks,\nPerson\n\n"
            "On Mon, 1 Dec 2026 at 09:00, Support <support@msp.example> wrote:\n"
            "> Please reboot and tell us what happens.\n" * 3
        )
        out.append(msg.as_bytes(policy=SMTP_POLICY))
    return out


def send_all(port: int, payloads: list[bytes], connections: int) -> tuple[float, int]:
    """Send over ``connections`` SMTP sessions; returns (seconds, number of 250s)."""
    accepted = [0] * connections

    def worker(k: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            client.ehlo("bench.example")
            for raw in payloads[k::connections]:
                client.mail("bench@client.example")
                client.rcpt("support@msp.example")
                if client.data(raw)[0] == 250:
                    accepted[k] += 1

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, sum(accepted)


def wait_port(port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listening on {port}")


def baseline(payloads: list[bytes], connections: int) -> float:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdout=subprocess.PIPE)
    try:
        wait_port(port)
        seconds, ok = send_all(port, payloads, connections)
    finally:
        proc.terminate()
        proc.wait()
    assert ok == len(payloads)
    return len(payloads) / seconds


def hub_rate(
    payloads: list[bytes], connections: int, edge: bool, disable: list[str], workers: int = 0
) -> tuple[float, int]:
    home = Path(tempfile.mkdtemp(prefix="atlas-bench-")) / "home"
    home.mkdir()
    (home / "plugins.toml").write_text(
        '[inbox]\naccept_addresses = ["support@msp.example"]\n'
        f"serve_smtp = {'false' if edge else 'true'}\n"
        + "".join(f"\n[{name}]\nenabled = false\n" for name in disable)
    )
    key = subprocess.run(
        [ATLAS_HUB, "apikey", "create", "--home", str(home), "--role", "admin", "--name", "b"],
        cwd=home, capture_output=True, check=True, text=True,
    ).stdout.strip()  # fmt: skip
    http, smtp = free_port(), free_port()
    env = {**os.environ, "ATLAS_LOG_LEVEL": "warning", "ATLAS_WORKERS": str(workers)}
    procs = [
        subprocess.Popen(
            [
                ATLAS_HUB,
                "run",
                "--home",
                str(home),
                "--http",
                f"127.0.0.1:{http}",
                "--smtp",
                f"127.0.0.1:{smtp}",
            ],
            cwd=home,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        wait_port(http)
        if edge:
            procs.append(
                subprocess.Popen(
                    [ATLAS_HUB, "smtp", "--home", str(home), "--smtp", f"127.0.0.1:{smtp}"],
                    cwd=home,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        wait_port(smtp)
        time.sleep(1.0)  # let the edge connect to NATS
        headers = {"Authorization": f"Bearer {key}"}
        url = f"http://127.0.0.1:{http}/api/v1/inbox"
        start = time.perf_counter()
        _, ok = send_all(smtp, payloads, connections)
        committed = 0
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            r = httpx.get(url, params={"status": "all", "limit": 1}, headers=headers, timeout=10)
            committed = r.json()["total"]
            if committed >= ok:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    return committed / seconds, ok - committed


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--edge", action="store_true", help="also measure the edge set-up")
    parser.add_argument(
        "--disable", action="append", default=[], metavar="PLUGIN", help="switch a plugin off"
    )
    parser.add_argument(
        "--single", action="store_true", help="also measure atlas-hub run --workers 0"
    )
    args = parser.parse_args()
    payloads = messages(args.messages)
    size = sum(map(len, payloads)) // len(payloads)
    print(f"{args.messages} messages of ~{size} bytes over {args.connections} connections; "
          f"plugins off: {', '.join(args.disable) or 'none'}; load average {load()}")  # fmt: skip
    before = baseline(payloads, args.connections)
    setups = [("hub, 250 -> committed inbox item:  ", False, 1)]
    if args.single:
        setups.append(("hub --workers 0 (one process):     ", False, 0))
    if args.edge:
        setups.append(("edge smtp + hub --workers 0:       ", True, 0))
    results = [
        (label, *hub_rate(messages(args.messages), args.connections, edge, args.disable, n))
        for label, edge, n in setups
    ]
    after = baseline(payloads, args.connections)
    base = (before + after) / 2
    print(f"bare aiosmtpd sink (parse only):    {base:8.0f} msg/s  "
          f"(before {before:.0f}, after {after:.0f})")  # fmt: skip
    for label, rate, lost in results:
        print(f"{label} {rate:8.0f} msg/s  ratio {rate / base:.2f}  lost {lost}")
    print(f"load average at the end: {load()}")


if __name__ == "__main__":
    main()
