"""Billing plugin: hook implementations.

Start-up parses ``[billing]``, collects every plugin's sinks through
``hub_billing_sinks`` (this plugin offers ``csv``, ``ubl`` and ``json``), creates the
number series, starts the export consumer on ``hub.out.billing.>`` and re-publishes
exports left pending. Routes are mounted under ``/api/v1``.
"""

from __future__ import annotations

from typing import Any

from hub.hookspecs import hookimpl
from hub.logs import get_logger
from hub.plugins import flatten
from plugins.billing import exports, numbering
from plugins.billing.api_invoices import InvoiceController
from plugins.billing.api_reports import ReportController
from plugins.billing.api_setup import (
    AgreementController,
    BillingProfileController,
    RateCardController,
    SinkController,
)
from plugins.billing.runtime import STATE_KEY, BillingRuntime
from plugins.billing.settings import BillingSettings, BillingSettingsError, parse_settings
from plugins.billing.sinks import BUILTIN_SINKS, SINK_NAME

log = get_logger("plugins.billing")
CONSUMER = "billing-exports"


@hookimpl
def hub_billing_sinks() -> list[Any]:
    """The built-in sinks: csv file, UBL 2.1 / Peppol XML file, signed JSON webhook."""
    return list(BUILTIN_SINKS)


def collect_sinks(pm: Any) -> dict[str, Any]:
    """Every sink any plugin offers, by name (a clash or a bad name stops start-up)."""
    found: dict[str, Any] = {}
    for sink in flatten(pm.hook.hub_billing_sinks()):
        name = getattr(sink, "name", None)
        if not isinstance(name, str) or not SINK_NAME.match(name):
            raise BillingSettingsError(f"billing sink {sink!r}: name must match [a-z0-9_-]+")
        if name in found:
            raise BillingSettingsError(f"two plugins offer a billing sink named {name!r}")
        found[name] = sink
    return found


def enabled_sinks(settings: BillingSettings, available: dict[str, Any]) -> dict[str, Any]:
    """``settings.sinks`` when given; else csv, ubl with a seller, json with a url, plugins'."""
    if settings.sinks is not None:
        unknown = [name for name in settings.sinks if name not in available]
        if unknown:
            raise BillingSettingsError(
                f"billing.sinks: no plugin offers {unknown}; available: {sorted(available)}"
            )
        return {name: available[name] for name in settings.sinks}
    skip = set()
    if settings.seller is None:
        skip.add("ubl")
    if settings.json is None:
        skip.add("json")
    return {name: sink for name, sink in available.items() if name not in skip}


@hookimpl
async def hub_startup(hub: Any) -> None:
    raw = hub.settings_for("billing")
    settings = parse_settings(raw)
    available = collect_sinks(hub.pm)
    export_dir = hub.settings.home / settings.export_dir
    runtime = BillingRuntime(
        settings=settings,
        sinks=enabled_sinks(settings, available),
        export_dir=export_dir,
        raw=raw,
        available=available,
    )
    hub.state[STATE_KEY] = runtime
    await numbering.ensure_series()
    if not hub.settings.consumes:
        log.info("billing_started", sinks=sorted(runtime.sinks), consumer="worker process")
        return
    # our own consume call (not hub_intake_subjects) to let the handler, not the
    # consumer's delivery cap, decide when a job is given up (max_deliver -1)
    await hub.bus_required.consume(
        exports.SUBJECT_PREFIX + ">",
        CONSUMER,
        exports.consumer(hub, runtime),
        batch=10,
        ack_wait=exports.EXPORT_TIMEOUT + 30,
        max_deliver=-1,
    )
    pending = await exports.publish_pending(hub)
    log.info("billing_started", sinks=sorted(runtime.sinks), republished=pending)


@hookimpl
def hub_shutdown(hub: Any) -> None:
    hub.state.pop(STATE_KEY, None)


@hookimpl
def hub_api_routes(hub: Any) -> list[Any]:
    return [
        RateCardController,
        BillingProfileController,
        AgreementController,
        SinkController,
        InvoiceController,
        ReportController,
    ]
