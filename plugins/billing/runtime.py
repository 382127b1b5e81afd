"""The billing plugin's per-hub state, kept in ``hub.state["billing"]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.errors import Unavailable
from plugins.billing.settings import BillingSettings


@dataclass
class BillingRuntime:
    """Parsed settings, the sinks in use and where file sinks write."""

    settings: BillingSettings
    #: sink name -> sink object (``name`` and ``async export(invoice, settings)``)
    sinks: dict[str, Any]
    export_dir: Path
    #: raw ``[billing]`` table: a sink's own settings are ``raw[<sink name>]``
    raw: dict[str, Any] = field(default_factory=dict)
    #: every sink any plugin offers (enabled or not), for ``GET /billing/sinks``
    available: dict[str, Any] = field(default_factory=dict)

    def sink_settings(self, name: str) -> dict[str, Any]:
        """What a sink's ``export`` receives: its own table plus ``export_dir``."""
        own = self.raw.get(name)
        return {**(own if isinstance(own, dict) else {}), "export_dir": str(self.export_dir)}


STATE_KEY = "billing"


def runtime_of(hub: Any) -> BillingRuntime:
    """The billing state of ``hub`` (503 while the plugin has not started)."""
    state = hub.state.get(STATE_KEY)
    if state is None:
        raise Unavailable("the billing plugin is not running")
    return state
