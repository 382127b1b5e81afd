"""``atlas-hub smtp``: the SMTP receiver as its own edge process, needing only NATS.

It finds NATS through ``--nats-url`` (or ``ATLAS_NATS_URL``), else through the embedded
server of a hub sharing the same home. It starts listening at once: until NATS is
reachable every message gets ``451`` (try later), so nothing is accepted and lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from hub.bus import Bus
from hub.contracts import Command
from hub.errors import Unavailable
from hub.logs import configure_logging, get_logger
from hub.nats_server import embedded_url
from hub.settings import SettingsError, load_settings
from plugins.inbox.config import InboxSettings, load_inbox_settings
from plugins.inbox.receiver import start_receiver

log = get_logger("plugins.inbox.edge")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--smtp", help="HOST:PORT to listen on (env ATLAS_SMTP, 127.0.0.1:2525)")
    parser.add_argument(
        "--nats-url", help="NATS to publish to (default: the embedded server of --home's hub)"
    )


async def _connect_forever(bus: Bus, stop: asyncio.Event) -> None:
    delay = 0.5
    while not stop.is_set():
        try:
            await bus.connect(timeout=5.0)
            log.info("edge_nats_connected", url=bus.url)
            return
        except Unavailable as exc:
            log.warning("edge_nats_unavailable", error=exc.detail, retry_in=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, 10.0)


async def serve(url: str, cfg: InboxSettings, host: str, port: int) -> int:
    """Run the receiver until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bus = Bus(url, name="atlas-hub-smtp")
    server = await start_receiver(bus, cfg, host, port)
    connector = asyncio.create_task(_connect_forever(bus, stop))
    try:
        await stop.wait()
    finally:
        connector.cancel()
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5.0)
        await bus.close()
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(
            home=args.home,
            smtp=args.smtp,
            nats_url=args.nats_url,
            plugins_config=args.plugins_config,
            log_format=args.log_format,
        )
        cfg = load_inbox_settings(settings.plugin_settings("inbox"))
    except SettingsError as exc:
        print(f"atlas-hub smtp: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    url = settings.nats_url or embedded_url(settings.nats_dir)
    if not url:
        print(
            f"atlas-hub smtp: no NATS: pass --nats-url, set ATLAS_NATS_URL, or start "
            f"`atlas-hub run --home {settings.home}` first",
            file=sys.stderr,
        )
        return 2
    return asyncio.run(serve(url, cfg, settings.smtp.host, settings.smtp.port))


COMMAND = Command(
    name="smtp",
    help="run only the SMTP receiver (publishes to NATS; the hub processes the mail)",
    configure=configure,
    run=run,
)
