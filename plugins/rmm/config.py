"""The plugin's settings (``[rmm]`` in plugins.toml), parsed into typed Structs.

Example::

    [rmm]
    grouping_window_minutes = 30
    customer_mapping = { "acme" = "Acme Corp" }     # label value -> customer name or id

    [rmm.sources.prometheus]
    adapter = "alertmanager"
    default_customer = "Acme Corp"
    auth = { mode = "bearer", secret = "s3cret" }
    settings = { severity_map = { "page" = "critical" } }
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import msgspec

from plugins.rmm.correlation import CorrelationSettings
from plugins.rmm.signatures import WebhookAuth, auth_from_settings

CustomerRef = str | int
Positive = Annotated[int, msgspec.Meta(ge=1)]


class SourceConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One configured alert source: ``POST /hooks/rmm/<name>``."""

    adapter: str
    auth: dict[str, Any]
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    #: customer (name or id) for alerts no device, label or mapping assigns
    default_customer: CustomerRef | None = None
    #: label value -> customer (name or id), on top of the plugin-wide mapping
    customer_mapping: dict[str, CustomerRef] = msgspec.field(default_factory=dict)


class RmmSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The ``[rmm]`` table; defaults suit a small MSP."""

    sources: dict[str, SourceConfig] = msgspec.field(default_factory=dict)
    customer_mapping: dict[str, CustomerRef] = msgspec.field(default_factory=dict)
    grouping_window_minutes: Positive = 30
    storm_devices: Annotated[int, msgspec.Meta(ge=2)] = 5
    storm_window_minutes: Positive = 10
    reopen_window_hours: Positive = 24
    flap_changes: Annotated[int, msgspec.Meta(ge=2)] = 4
    flap_window_minutes: Positive = 60
    max_body_bytes: Positive = 1_048_576
    #: storm parents are raised to at least this priority (a site outage is urgent)
    storm_min_priority: str = "high"

    def correlation(self) -> CorrelationSettings:
        """The thresholds ``correlation.decide`` takes."""
        return CorrelationSettings(
            grouping_window=timedelta(minutes=self.grouping_window_minutes),
            storm_devices=self.storm_devices,
            storm_window=timedelta(minutes=self.storm_window_minutes),
            reopen_window=timedelta(hours=self.reopen_window_hours),
            flap_changes=self.flap_changes,
            flap_window=timedelta(minutes=self.flap_window_minutes),
        )


class Source(msgspec.Struct, frozen=True, kw_only=True):
    """A source ready to serve: its name, adapter settings and checked auth."""

    name: str
    config: SourceConfig
    auth: WebhookAuth

    def adapter_settings(self) -> dict[str, Any]:
        """Adapter settings with ``source`` defaulting to the configured name."""
        return {"source": self.name, **self.config.settings}


def parse_settings(raw: dict[str, Any]) -> RmmSettings:
    """Parse ``[rmm]``; raise ``ValueError`` naming the offending key."""
    try:
        settings = msgspec.convert(raw, RmmSettings)
    except msgspec.ValidationError as exc:
        raise ValueError(f"plugins.toml [rmm]: {exc}") from None
    if settings.storm_min_priority not in ("critical", "high", "normal", "low"):
        raise ValueError("plugins.toml [rmm]: storm_min_priority must be critical/high/normal/low")
    return settings


def build_sources(settings: RmmSettings, adapter_names: set[str]) -> dict[str, Source]:
    """Check every source's adapter and auth; raise ``ValueError`` naming the source."""
    sources: dict[str, Source] = {}
    for name, cfg in settings.sources.items():
        where = f"plugins.toml [rmm.sources.{name}]"
        if cfg.adapter not in adapter_names:
            known = ", ".join(sorted(adapter_names))
            raise ValueError(f"{where}: unknown adapter {cfg.adapter!r} (known: {known})")
        try:
            auth = auth_from_settings(cfg.auth)
        except ValueError as exc:
            raise ValueError(f"{where}.auth: {exc}") from None
        sources[name] = Source(name=name, config=cfg, auth=auth)
    return sources
