"""Payload formats of monitoring and RMM tools, one module per format.

Each module has ``NAME`` and ``parse(payload, headers, settings) -> list[NormalizedAlert]``
and raises ``PayloadError`` naming the offending field. ``builtin_adapters()`` is what
the RMM plugin answers to ``hub_alert_adapters()``; a vendor plugin contributes its
own by returning any object with ``name`` and ``parse``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from plugins.rmm.adapters import (
    alertmanager,
    generic,
    grafana,
    tacticalrmm,
    uptimekuma,
    zabbix,
)
from plugins.rmm.alerts import NormalizedAlert, PayloadError

__all__ = ["Adapter", "BuiltinAdapter", "ParseFn", "PayloadError", "builtin_adapters"]

ParseFn = Callable[[dict[str, Any], Mapping[str, str], dict[str, Any]], list[NormalizedAlert]]


@runtime_checkable
class Adapter(Protocol):
    """What the intake needs of a payload format."""

    name: str

    def parse(
        self, payload: dict[str, Any], headers: Mapping[str, str], settings: dict[str, Any]
    ) -> list[NormalizedAlert]:
        """Turn one decoded JSON body into alerts; raise ``PayloadError`` if malformed."""
        ...


@dataclass(frozen=True, slots=True)
class BuiltinAdapter:
    """An adapter made of a format module's ``NAME`` and ``parse``."""

    name: str
    parse: ParseFn


def builtin_adapters() -> dict[str, Adapter]:
    """The formats shipped with the hub, by name."""
    modules = (alertmanager, grafana, tacticalrmm, zabbix, uptimekuma, generic)
    return {m.NAME: BuiltinAdapter(name=m.NAME, parse=m.parse) for m in modules}
