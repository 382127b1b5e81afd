"""RMM / monitoring alerts plugin: hook implementations."""

from __future__ import annotations

from typing import Any

from hub.hookspecs import hookimpl
from plugins.rmm.adapters import builtin_adapters


@hookimpl
def hub_alert_adapters() -> list[Any]:
    """The payload formats shipped with the hub."""
    return list(builtin_adapters().values())
