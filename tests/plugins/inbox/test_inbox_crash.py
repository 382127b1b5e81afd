"""SIGKILL the hub during a burst of 1,000 messages: after a restart every message that
got a 250 is in the inbox exactly once (``atlas-hub run`` as a real subprocess)."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import httpx

from hub.nats_server import free_port

# the venv's console script, whether or not the venv is activated
ATLAS_HUB = str(Path(sys.executable).parent / "atlas-hub")

BURST = 1000
SENDERS = 4


def _start(home: Path, http: int, smtp: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [ATLAS_HUB, "run", "--home", str(home), "--http", f"127.0.0.1:{http}",
         "--smtp", f"127.0.0.1:{smtp}", "--log-format", "json"],
        cwd=home, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _wait_ready(http: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "hub exited during start-up"
        try:
            if httpx.get(f"http://127.0.0.1:{http}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("hub did not become ready")


def _message(i: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"user{i}@customer{i % 7}.example"
    msg["To"] = "support@msp.example"
    msg["Subject"] = f"Burst message {i}"
    msg["Message-ID"] = f"<burst-{i}@client.example>"
    msg.set_content(f"Message number {i}.\n")
    return msg.as_bytes(policy=SMTP_POLICY)


class Sender(threading.Thread):
    """Sends its share like an MTA: on any failure it reconnects and tries again."""

    def __init__(self, port: int, numbers: list[int], accepted: set[int], lock: threading.Lock):
        super().__init__(daemon=True)
        self.port, self.numbers, self.accepted, self.lock = port, numbers, accepted, lock
        self.deadline = time.monotonic() + 240

    def run(self) -> None:
        pending = list(self.numbers)
        client: smtplib.SMTP | None = None
        while pending and time.monotonic() < self.deadline:
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", self.port, timeout=10)
                    client.ehlo("burst.example")
                i = pending[0]
                client.mail(f"user{i}@customer.example")
                client.rcpt("support@msp.example")
                code, _ = client.data(_message(i))
                if code == 250:
                    with self.lock:
                        self.accepted.add(i)
                    pending.pop(0)
            except (OSError, smtplib.SMTPException):
                client = None
                time.sleep(0.2)


def test_sigkill_during_burst_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "plugins.toml").write_text(
        '[inbox]\naccept_addresses = ["support@msp.example"]\nrate_limit_messages = 100000\n'
    )
    key = subprocess.run(
        [ATLAS_HUB, "apikey", "create", "--home", str(home), "--role", "admin", "--name", "t"],
        cwd=home, capture_output=True, check=True, text=True,
    ).stdout.strip()  # fmt: skip
    http, smtp = free_port(), free_port()
    log = tmp_path / "hub.log"
    proc = _start(home, http, smtp, log)
    try:
        _wait_ready(http, proc)
        accepted: set[int] = set()
        lock = threading.Lock()
        senders = [Sender(smtp, list(range(k, BURST, SENDERS)), accepted, lock) for k in range(4)]
        for s in senders:
            s.start()
        while len(accepted) < BURST // 3:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_at = len(accepted)
        time.sleep(1.0)
        proc = _start(home, http, smtp, log)
        _wait_ready(http, proc)
        for s in senders:
            s.join(timeout=240)
        assert len(accepted) == BURST, f"only {len(accepted)} of {BURST} got 250"
        assert killed_at < BURST
        headers = {"Authorization": f"Bearer {key}"}
        url = f"http://127.0.0.1:{http}/api/v1/inbox"

        def page(offset: int, limit: int = 500) -> dict:
            r = httpx.get(
                url,
                params={"status": "all", "limit": limit, "offset": offset},
                headers=headers,
                timeout=10,
            )
            assert r.status_code == 200, r.text
            return r.json()

        deadline = time.monotonic() + 120
        while page(0, 1)["total"] < BURST and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2.0)  # anything still in flight (a duplicate) would show up now
        seen = [item["message_id"] for o in (0, 500, 1000) for item in page(o)["items"]]
        expected = sorted(f"burst-{i}@client.example" for i in accepted)
        assert sorted(seen) == expected  # every 250'd message, each exactly once
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    # the worker of the SIGKILLed run process stopped by itself (no orphan left behind)
    deadline = time.monotonic() + 20
    while _workers_of(home) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _workers_of(home) == [], "an orphaned intake worker is still running"


def _workers_of(home: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"hub.cli\0worker\0" in cmdline and str(home).encode() in cmdline:
            found.append(int(entry.name))
    return found
