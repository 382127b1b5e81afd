"""The plugin manager: built-ins and third-party plugins through one entry-point group."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import msgspec
import pluggy

from hub import hookspecs
from hub.logs import get_logger

log = get_logger("hub.plugins")
GROUP = "atlas_hub"


class PluginInfo(msgspec.Struct, kw_only=True):
    name: str
    module: str
    distribution: str
    version: str
    hooks: list[str]
    enabled: bool = True
    #: why the plugin could not be loaded (it then does not run)
    error: str | None = None


class PluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__("atlas_hub")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    def register_plugin(self, plugin: Any, name: str, distribution: str, version: str) -> None:
        self.register(plugin, name=name)
        hooks = sorted(
            caller.name for caller in (self.get_hookcallers(plugin) or []) if caller.name
        )
        module = getattr(plugin, "__name__", type(plugin).__name__)
        self.infos[name] = PluginInfo(
            name=name, module=module, distribution=distribution, version=version, hooks=hooks
        )


def _entry_points() -> Iterable[EntryPoint]:
    return entry_points(group=GROUP)


def load_plugins(
    enabled: dict[str, bool] | None = None, extra: Iterable[tuple[str, Any]] = ()
) -> PluginManager:
    """Load every plugin of the ``atlas_hub`` group that ``enabled`` does not switch off.

    ``extra`` registers objects directly (tests, embedding applications).
    """
    pm = PluginManager()
    enabled = enabled or {}
    for ep in sorted(_entry_points(), key=lambda e: e.name):
        dist = ep.dist
        if not enabled.get(ep.name, True):
            pm.infos[ep.name] = PluginInfo(
                name=ep.name,
                module=ep.value,
                distribution=dist.name if dist else "",
                version=dist.version if dist else "",
                hooks=[],
                enabled=False,
            )
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            # One broken plugin must not take the hub down; it is reported instead
            # (``atlas-hub plugins`` and the start-up log show why).
            log.error("plugin_load_failed", plugin=ep.name, module=ep.value, error=repr(exc))
            pm.infos[ep.name] = PluginInfo(
                name=ep.name,
                module=ep.value,
                distribution=dist.name if dist else "",
                version=dist.version if dist else "",
                hooks=[],
                enabled=False,
                error=repr(exc),
            )
            continue
        pm.register_plugin(plugin, ep.name, dist.name if dist else "", dist.version if dist else "")
    for name, plugin in extra:
        pm.register_plugin(plugin, name, "(registered)", "")
    # A misspelled @hookimpl (no matching spec) is a start-up error, not a silent no-op.
    pm.check_pending()
    log.debug("plugins_loaded", plugins=sorted(pm.infos))
    return pm


async def await_me_maybe(value: Any) -> Any:
    if inspect.isawaitable(value):
        return await value
    return value


async def await_all(results: Iterable[Any]) -> list[Any]:
    """Await each hook result that is awaitable (pluggy has no async support).

    If one raises (or the caller is cancelled), the coroutines not yet awaited are closed,
    so no "coroutine was never awaited" is left behind; the exception propagates.
    """
    pending = list(results)
    out: list[Any] = []
    try:
        for result in pending:
            out.append(await await_me_maybe(result))
    except BaseException:
        for result in pending[len(out) + 1 :]:
            if inspect.iscoroutine(result):
                result.close()
        raise
    return out


def flatten(results: Iterable[list[Any] | None]) -> list[Any]:
    out: list[Any] = []
    for r in results:
        if r:
            out.extend(r)
    return out
