"""The plugin's per-process state: settings, sources, adapters and replay caches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hub.logs import get_logger
from hub.plugins import PluginManager, flatten
from plugins.rmm.adapters import Adapter
from plugins.rmm.config import RmmSettings, Source, build_sources, parse_settings
from plugins.rmm.correlation import CorrelationSettings
from plugins.rmm.signatures import ReplayCache

log = get_logger("plugins.rmm")
STATE_KEY = "rmm"


class RmmRuntime:
    """Everything the webhook and the intake consumer share in one process."""

    def __init__(self, settings: RmmSettings, adapters: dict[str, Adapter]) -> None:
        self.settings = settings
        self.adapters = adapters
        self.sources: dict[str, Source] = build_sources(settings, set(adapters))
        self.correlation: CorrelationSettings = settings.correlation()
        # one per source: each has its own tolerance window
        self.replay: dict[str, ReplayCache] = {
            name: ReplayCache(timedelta(seconds=src.auth.tolerance_seconds))
            for name, src in self.sources.items()
        }

    def adapter_for(self, source: Source) -> Adapter:
        return self.adapters[source.config.adapter]


def collect_adapters(pm: PluginManager) -> dict[str, Adapter]:
    """Adapters from every plugin's ``hub_alert_adapters`` (first answer wins per name)."""
    adapters: dict[str, Adapter] = {}
    for adapter in flatten(pm.hook.hub_alert_adapters()):
        name = getattr(adapter, "name", None)
        if not isinstance(name, str) or not callable(getattr(adapter, "parse", None)):
            raise ValueError(f"hub_alert_adapters returned {adapter!r} without name/parse")
        if name in adapters:
            log.warning("alert_adapter_duplicate", adapter=name)
            continue
        adapters[name] = adapter
    return adapters


def build_runtime(raw_settings: dict[str, Any], pm: PluginManager) -> RmmRuntime:
    """Parse settings and collect adapters; raise ``ValueError`` on a configuration error."""
    return RmmRuntime(parse_settings(raw_settings), collect_adapters(pm))
