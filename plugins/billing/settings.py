"""The ``[billing]`` table of plugins.toml, parsed into typed settings.

Example::

    [billing]
    currency = "EUR"
    default_hourly = "95.00"
    rounding = { increment_minutes = 15, mode = "up", minimum_minutes = 0 }
    require_approval = true
    invoice_prefix = "INV-"
    credit_note_prefix = "CN-"
    sinks = ["csv", "ubl", "json"]          # default: every configured sink

    [billing.seller]                          # Peppol seller party (UBL sink)
    name = "Atlas IT Services BV"
    endpoint_id = "NL123456789B01"
    endpoint_scheme = "9944"
    country_code = "NL"
    vat_id = "NL123456789B01"

    [billing.json]
    url = "https://accounting.example/hooks/invoices"
    secret = "shared-secret"
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import msgspec

from plugins.billing.model import Party
from plugins.billing.money import RoundingRule


class BillingSettingsError(ValueError):
    """The ``[billing]`` table has a value the plugin cannot use."""


class JsonSinkSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: str
    secret: str
    timeout_seconds: float = 10.0


class BillingSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    #: currency of the rate card created on first use
    currency: str = "EUR"
    #: default hourly rate of the rate card created on first use
    default_hourly: Decimal = Decimal("90.00")
    #: how logged minutes become billed minutes (customers may override it)
    rounding: RoundingRule = RoundingRule()
    #: a draft must be approved (POST .../approve) before it can be finalised
    require_approval: bool = False
    invoice_prefix: str = "INV-"
    credit_note_prefix: str = "CN-"
    number_digits: int = 6
    grouping: Literal["task", "work_type", "entry"] = "task"
    show_covered_time: bool = False
    seller: Party | None = None
    #: sinks to export to; None = every built-in sink that is configured + plugin sinks
    sinks: list[str] | None = None
    json: JsonSinkSettings | None = None
    #: folder (under the hub home unless absolute) for the csv and ubl sinks
    export_dir: str = "billing"
    #: export retries: delay = min(max, base x 2^(attempt-1)); then dead-lettered
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    max_attempts: int = 8
    #: technician capacity for the utilisation report
    capacity_hours_per_day: Decimal = Decimal(8)

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise BillingSettingsError(
                f"billing.currency: expected an ISO 4217 code, got {self.currency!r}"
            )
        if self.default_hourly < 0:
            raise BillingSettingsError("billing.default_hourly: must not be negative")
        if not 1 <= self.number_digits <= 12:
            raise BillingSettingsError("billing.number_digits: 1 to 12")
        if not 1 <= self.max_attempts <= 50:
            raise BillingSettingsError("billing.max_attempts: 1 to 50")
        if self.retry_base_seconds <= 0 or self.retry_max_seconds < self.retry_base_seconds:
            raise BillingSettingsError(
                "billing.retry_base_seconds must be > 0 and <= retry_max_seconds"
            )
        if self.invoice_prefix == self.credit_note_prefix:
            raise BillingSettingsError("billing: invoices and credit notes need different prefixes")


def parse_settings(raw: dict[str, Any]) -> BillingSettings:
    """Typed settings from the plugin's table; a clear error names the bad key."""
    try:
        return msgspec.convert(raw, BillingSettings, str_keys=True, strict=False)
    except (msgspec.ValidationError, ValueError) as exc:
        raise BillingSettingsError(f"[billing] in plugins.toml: {exc}") from exc
