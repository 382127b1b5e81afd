"""The running hub: settings, database, bus and plugins for one process."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from hub.bus import Bus
from hub.contracts import TaskEvent
from hub.db import engine as db
from hub.logs import get_logger
from hub.nats_server import EmbeddedNats
from hub.plugins import PluginManager, await_all, flatten, load_plugins
from hub.services import sla as sla_caches
from hub.settings import Settings

log = get_logger("hub.runtime")


class Hub:
    """Owns the process's connections; handed to every plugin hook as ``hub``."""

    def __init__(self, settings: Settings, pm: PluginManager | None = None) -> None:
        self.settings = settings
        self.pm = pm or load_plugins(
            {name: settings.plugin_enabled(name) for name in settings.plugins}
        )
        self.bus: Bus | None = None
        self.nats: EmbeddedNats | None = None
        self.engine: Engine | None = None
        #: runtime state plugins keep between startup and shutdown (keyed by plugin)
        self.state: dict[str, Any] = {}
        self._stack = contextlib.AsyncExitStack()
        self.started = False

    def settings_for(self, plugin: str) -> dict[str, Any]:
        """A plugin's table from ``plugins.toml`` (without ``enabled``)."""
        return self.settings.plugin_settings(plugin)

    @property
    def nats_url(self) -> str:
        if self.bus is None:
            raise RuntimeError("bus not started")
        return self.bus.url

    async def start(self, *, serve_plugins: bool = True) -> None:
        """Database (migrated), bus (embedded server unless a URL is given), plugins."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = await self._stack.enter_async_context(
                db.database(self.settings.database_url, self.settings.database_path)
            )
            sla_caches.reset_caches()
            url = self.settings.nats_url
            if not url:
                self.nats = EmbeddedNats(self.settings.nats_dir, sync=self.settings.nats_sync)
                url = await self.nats.start()
                self._stack.push_async_callback(self.nats.stop)
            self.bus = Bus(url)
            await self.bus.connect()
            self._stack.push_async_callback(self.bus.close)
            if serve_plugins:
                await self._start_plugins()
        except BaseException:
            await self._stack.aclose()
            raise
        self.started = True
        log.info(
            "hub_started",
            home=str(self.settings.home),
            database="postgresql" if self.settings.database_url else "sqlite",
            nats=url,
            plugins=sorted(n for n, i in self.pm.infos.items() if i.enabled),
        )

    async def _start_plugins(self) -> None:
        from hub.services import sla_monitor

        await await_all(self.pm.hook.hub_startup(hub=self))
        self._stack.push_async_callback(self._stop_plugins)
        if not self.settings.consumes:
            return  # a web process: the worker processes consume and monitor
        for consumer in flatten(self.pm.hook.hub_intake_subjects(hub=self)):
            await self.bus_required.consume(
                consumer.subject,
                consumer.durable,
                consumer.handler,
                batch=consumer.batch,
                ack_wait=consumer.ack_wait,
            )
        monitor = sla_monitor.BreachMonitor(self)
        await monitor.start()
        self._stack.push_async_callback(monitor.stop)

    async def _stop_plugins(self) -> None:
        try:
            await await_all(self.pm.hook.hub_shutdown(hub=self))
        except Exception:
            log.exception("plugin_shutdown_failed")

    def on_stop(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` first when the hub stops (before plugins, bus and database)."""
        self._stack.push_async_callback(callback)

    async def stop(self) -> None:
        await self._stack.aclose()
        self.started = False
        log.info("hub_stopped")

    @property
    def bus_required(self) -> Bus:
        if self.bus is None:
            raise RuntimeError("bus not started")
        return self.bus

    async def ready(self) -> dict[str, bool]:
        return {
            "database": self.engine is not None and await db.ping(),
            "nats": self.bus is not None and self.bus.connected,
        }

    async def task_event(self, event: TaskEvent) -> None:
        """Publish a committed task change to the bus and to in-process plugins."""
        if self.bus is not None:
            await self.bus.publish_event(f"hub.evt.task.{event.kind}", event)
        try:
            await await_all(self.pm.hook.hub_task_event(event=event, hub=self))
        except Exception:
            log.exception("task_event_hook_failed", task_id=event.task_id, kind=event.kind)

    async def publish(self, subject: str, payload: msgspec.Struct | dict[str, Any]) -> None:
        if self.bus is not None:
            await self.bus.publish_event(subject, payload)
