"""``atlas-hub`` as a user runs it: a real process, its nats-server child, signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from hub.nats_server import free_port

BIN = Path(sys.executable).parent / "atlas-hub"


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())


def _start(tmp: Path, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    proc = subprocess.Popen(
        [
            str(BIN),
            "run",
            "--http",
            f"127.0.0.1:{port}",
            "--smtp",
            f"127.0.0.1:{free_port()}",
            *extra,
        ],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return proc, port


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"atlas-hub exited early with {proc.returncode}:\n{out}")
        try:
            status, _body = _get(f"http://127.0.0.1:{port}/readyz")
            if status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail("not ready within 20 s")


def test_run_in_empty_folder_is_ready_and_stops_cleanly_on_sigint(tmp_path: Path) -> None:
    proc, port = _start(tmp_path)
    try:
        _wait_ready(port, proc)
        nats = [
            p
            for p in _children(proc.pid)
            if "nats-server" in Path(f"/proc/{p}/cmdline").read_text()
        ]
        assert len(nats) == 1, "one embedded nats-server child"
        assert (tmp_path / "atlas-data" / "atlas.sqlite3").exists()
        status, _ = _get(f"http://127.0.0.1:{port}/api/v1/tasks")
        assert status == 401
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        time.sleep(0.2)
        assert not _alive(nats[0]), "nats-server child must be gone"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_sigterm_also_exits_zero(tmp_path: Path) -> None:
    proc, port = _start(tmp_path, "--home", str(tmp_path / "h"))
    try:
        _wait_ready(port, proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_starts_next_to_a_nats_already_on_4222(tmp_path: Path) -> None:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 4222)) != 0:
            pytest.skip("no NATS listening on 4222 on this machine")
    proc, port = _start(tmp_path)
    try:
        _wait_ready(port, proc)
        url = (tmp_path / "atlas-data" / "nats" / "url").read_text()
        assert not url.endswith(":4222")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_cli_commands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}

    def run(*a):
        return subprocess.run(
            [str(BIN), *a],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert "atlas-hub" in run("--version").stdout
    assert "migrate" in run("--help").stdout
    migrated = run("migrate", "--home", str(tmp_path / "h"))
    assert migrated.returncode == 0, migrated.stderr
    key = run("apikey", "create", "--role", "admin", "--name", "ops", "--home", str(tmp_path / "h"))
    assert key.returncode == 0 and key.stdout.startswith("atl_")
    assert "shown once" in key.stderr
    bad = run(
        "apikey", "create", "--role", "technician", "--name", "x", "--home", str(tmp_path / "h")
    )
    assert bad.returncode != 0
    plugins = run("plugins")
    assert plugins.returncode == 0
    for name in ("sla", "inbox", "rmm", "portal", "calendar", "billing", "triage"):
        assert name in plugins.stdout


def _worker_pids(parent: int) -> list[int]:
    marker = b"hub.cli\0worker\0"
    return [p for p in _children(parent) if marker in Path(f"/proc/{p}/cmdline").read_bytes()]


def _inbox_count(db: Path) -> int:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM inbox_mail").fetchone()[0])


def _wait(predicate: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_workers_consume_while_the_run_process_only_listens(tmp_path: Path) -> None:
    import smtplib
    from email.message import EmailMessage

    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    cmd = [str(BIN), "run", "--workers", "1", "--http", f"127.0.0.1:{port}"]
    cmd += ["--smtp", f"127.0.0.1:{smtp_port}"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)  # fmt: skip
    db = tmp_path / "atlas-data" / "atlas.sqlite3"

    def send(subject: str) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"] = "a@client.example", "support@msp.example"
        mail["Subject"] = subject
        mail.set_content("hello")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            smtp.send_message(mail)

    try:
        _wait_ready(port, proc)
        _wait(lambda: len(_worker_pids(proc.pid)) == 1, "the worker process")
        (worker,) = _worker_pids(proc.pid)
        send("one")
        _wait(lambda: _inbox_count(db) == 1, "the worker to store the first mail")
        # a frozen worker: the run process accepts mail but does not process it
        os.kill(worker, signal.SIGSTOP)
        send("two")
        time.sleep(2.0)
        assert _inbox_count(db) == 1
        os.kill(worker, signal.SIGCONT)
        _wait(lambda: _inbox_count(db) == 2, "the thawed worker to store the second mail")
        # a worker that dies is started again
        os.kill(worker, signal.SIGKILL)
        _wait(lambda: _worker_pids(proc.pid) not in ([], [worker]), "a restarted worker")
        send("three")
        _wait(lambda: _inbox_count(db) == 3, "the new worker to store the third mail")
        children = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        time.sleep(0.2)
        assert not [p for p in children if _alive(p)], "no worker or nats-server left"
    finally:
        if proc.poll() is None:
            proc.kill()
