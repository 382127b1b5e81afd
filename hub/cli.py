"""``atlas-hub``: one command starts everything; small ones manage it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any

from hub import __version__
from hub.logs import configure_logging
from hub.settings import Settings, SettingsError, load_settings


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", help="data folder (env ATLAS_HOME, default ./atlas-data)")
    parser.add_argument(
        "--database-url",
        help="postgresql://user@host/db (env ATLAS_DATABASE_URL; default SQLite in the home)",
    )
    parser.add_argument("--plugins-config", help="plugins.toml to use (env ATLAS_PLUGINS_CONFIG)")
    parser.add_argument("--log-format", choices=["auto", "json", "console"])


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return load_settings(
        home=args.home,
        database_url=args.database_url,
        plugins_config=args.plugins_config,
        log_format=args.log_format,
        **extra,
    )


def _run_async(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


# --- run ---------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(
        args,
        http=args.http,
        smtp=args.smtp,
        nats_url=args.nats_url,
        demo=args.demo,
        workers=args.workers,
        default_workers=1,
    )
    configure_logging(settings.log_format, settings.log_level)
    return _run_async(_serve(settings))


def _cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings(args, nats_url=args.nats_url, role="worker")
    if not settings.nats_url:
        raise SettingsError("worker: --nats-url (or ATLAS_NATS_URL) is required")
    configure_logging(settings.log_format, settings.log_level)
    from hub.workers import run_worker

    return _run_async(run_worker(settings))


async def _serve(settings: Settings) -> int:
    import uvicorn

    from hub.app import create_app
    from hub.runtime import Hub

    hub = Hub(settings)
    await hub.start()
    try:
        if settings.demo:
            from hub.services.demo import load_demo

            await load_demo()
        if settings.workers:
            from hub.workers import WorkerPool

            workers = WorkerPool(settings, hub.nats_url)
            await workers.start()
            hub.on_stop(workers.stop)  # before the bus and the NATS child go
        app = create_app(hub=hub)
        config = uvicorn.Config(
            app,
            host=settings.http.host,
            port=settings.http.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
            lifespan="on",
        )
        server = _Server(config)
        await server.serve()
    finally:
        await hub.stop()
    return 0 if not getattr(server, "failed", False) else 1


class _Server:
    """uvicorn's server without its habit of re-raising the signal after shutdown.

    uvicorn re-raises SIGINT/SIGTERM once it has stopped, which would end the process
    with the signal instead of letting the hub stop its plugins and NATS child and exit 0.
    """

    def __init__(self, config: Any) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, self.handle_exit, sig, None)
                try:
                    yield
                finally:
                    for sig in (signal.SIGINT, signal.SIGTERM):
                        loop.remove_signal_handler(sig)

        self.server = Server(config)
        self.failed = False

    async def serve(self) -> None:
        await self.server.serve()
        # uvicorn returns without raising when it cannot bind; it then never started
        self.failed = not self.server.started


# --- small commands ----------------------------------------------------------------


def _cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging(settings.log_format, settings.log_level)

    async def go() -> int:
        from hub.db import engine as db

        async with db.database(settings.database_url, settings.database_path):
            pass
        print(f"database migrated ({settings.database_url or settings.database_path})")
        return 0

    return _run_async(go())


def _cmd_plugins(args: argparse.Namespace) -> int:
    from hub.plugins import load_plugins

    settings = _settings(args)
    pm = load_plugins({n: settings.plugin_enabled(n) for n in settings.plugins})
    rows = sorted(pm.infos.values(), key=lambda i: i.name)
    width = max((len(r.name) for r in rows), default=4)
    for info in rows:
        state = "failed" if info.error else ("enabled" if info.enabled else "disabled")
        print(f"{info.name:<{width}}  {info.distribution} {info.version}  [{state}]")
        print(f"{'':<{width}}  module: {info.module}")
        print(f"{'':<{width}}  hooks:  {', '.join(info.hooks) or '-'}")
        if info.error:
            print(f"{'':<{width}}  error:  {info.error}")
    return 0


def _cmd_apikey(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging(settings.log_format, "warning")

    async def go() -> int:
        from hub.db import engine as db
        from hub.services import apikeys

        async with db.database(settings.database_url, settings.database_path):
            if args.apikey_cmd == "create":
                created = await apikeys.create_key(args.role, args.name, args.technician)
                print(created.key)
                print(
                    f"# key {created.id} ({created.role}, {created.name}): shown once, "
                    "store it now",
                    file=sys.stderr,
                )
            elif args.apikey_cmd == "revoke":
                await apikeys.revoke_key(args.id)
                print(f"key {args.id} revoked")
        return 0

    return _run_async(go())


def build_parser(extra_commands: Sequence[Any] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atlas-hub", description="Atlas Hub: service-ticket hub for IT MSPs."
    )
    parser.add_argument("--version", action="version", version=f"atlas-hub {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the hub (API, bus, database, plugins)")
    _common(run)
    run.add_argument("--http", help="HOST:PORT of the HTTP API (env ATLAS_HTTP, 127.0.0.1:8080)")
    run.add_argument("--smtp", help="HOST:PORT of the SMTP receiver (env ATLAS_SMTP)")
    run.add_argument("--nats-url", help="use this NATS instead of the embedded server")
    run.add_argument("--demo", action="store_true", help="load a small demo MSP")
    run.add_argument(
        "--workers",
        type=int,
        help="intake worker processes beside the API (env ATLAS_WORKERS, default 1; "
        "0 runs everything in one process)",
    )
    run.set_defaults(func=_cmd_run)

    worker = sub.add_parser("worker", help="run intake consumers and jobs (no listeners)")
    _common(worker)
    worker.add_argument("--nats-url", help="the NATS of the hub (env ATLAS_NATS_URL)")
    worker.set_defaults(func=_cmd_worker)

    migrate = sub.add_parser("migrate", help="create or upgrade the database")
    _common(migrate)
    migrate.set_defaults(func=_cmd_migrate)

    plugins = sub.add_parser("plugins", help="list plugins, versions and hooks")
    _common(plugins)
    plugins.set_defaults(func=_cmd_plugins)

    apikey = sub.add_parser("apikey", help="manage API keys")
    apikey_sub = apikey.add_subparsers(dest="apikey_cmd", required=True)
    create = apikey_sub.add_parser("create", help="create a key (printed once)")
    _common(create)
    create.add_argument("--role", required=True, choices=["admin", "technician", "integration"])
    create.add_argument("--name", required=True)
    create.add_argument("--technician", type=int, help="technician id (technician keys)")
    revoke = apikey_sub.add_parser("revoke", help="revoke a key")
    _common(revoke)
    revoke.add_argument("id", type=int)
    apikey.set_defaults(func=_cmd_apikey)

    for command in extra_commands:
        p = sub.add_parser(command.name, help=command.help)
        _common(p)
        command.configure(p)
        p.set_defaults(func=command.run)
    return parser


def _plugin_commands() -> list[Any]:
    from hub.plugins import flatten, load_plugins

    try:
        return flatten(load_plugins().hook.hub_commands())
    except Exception as exc:  # a broken plugin must not make the CLI unusable
        print(f"warning: plugin commands unavailable: {exc}", file=sys.stderr)
        return []


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging("auto", "warning")  # until a command configures its own
    parser = build_parser(_plugin_commands())
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except SettingsError as exc:
        print(f"atlas-hub: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
