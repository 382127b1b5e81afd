"""hub_billing_sinks: the billing plugin collects sinks from every plugin."""

from __future__ import annotations

from typing import Any

import pytest

from hub.hookspecs import hookimpl
from hub.plugins import load_plugins
from plugins.billing.plugin import collect_sinks, enabled_sinks
from plugins.billing.settings import BillingSettingsError, parse_settings


class AcmeBooks:
    name = "acme-books"

    async def export(self, invoice: Any, settings: dict[str, Any]) -> str:
        return "acme-1"


class VendorPlugin:
    @hookimpl
    def hub_billing_sinks(self) -> list[Any]:
        return [AcmeBooks()]


class ClashingPlugin:
    @hookimpl
    def hub_billing_sinks(self) -> list[Any]:
        class Csv:
            name = "csv"

        return [Csv()]


def test_sinks_of_all_plugins_are_collected_and_enabled_by_default() -> None:
    pm = load_plugins({}, extra=[("acme", VendorPlugin())])
    available = collect_sinks(pm)
    assert {"csv", "ubl", "json", "acme-books"} <= set(available)
    # without a seller / webhook url, ubl and json stay off; plugin sinks are on
    assert set(enabled_sinks(parse_settings({}), available)) >= {"csv", "acme-books"}
    assert "ubl" not in enabled_sinks(parse_settings({}), available)
    chosen = enabled_sinks(parse_settings({"sinks": ["acme-books"]}), available)
    assert list(chosen) == ["acme-books"]
    with pytest.raises(BillingSettingsError, match="no plugin offers"):
        enabled_sinks(parse_settings({"sinks": ["xero"]}), available)


def test_two_sinks_with_one_name_stop_start_up() -> None:
    pm = load_plugins({}, extra=[("clash", ClashingPlugin())])
    with pytest.raises(BillingSettingsError, match="named 'csv'"):
        collect_sinks(pm)


def test_bad_settings_name_the_key() -> None:
    with pytest.raises(BillingSettingsError, match="unknown field `sink`"):
        parse_settings({"sink": ["csv"]})
    with pytest.raises(BillingSettingsError, match="different prefixes"):
        parse_settings({"invoice_prefix": "X", "credit_note_prefix": "X"})
