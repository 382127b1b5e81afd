"""Every hook of Atlas Hub: the contract between the core and plugins.

A plugin is a module (or object) with functions decorated ``@hookimpl`` whose names are
hook names below. It is found through the ``atlas_hub`` entry-point group::

    # pyproject.toml of a vendor plugin
    [project.entry-points.atlas_hub]
    acme = "acme_atlas.plugin"

and enabled or configured in ``plugins.toml`` under ``[acme]``.

Conventions:

* An implementation may accept fewer arguments than the spec names; specs grow by
  adding arguments without breaking plugins.
* pluggy calls hooks synchronously. A hook that does I/O may be ``async def``; the core
  awaits what it returns (see :func:`hub.plugins.await_all`). Hooks marked *sync only*
  must return plain values.
* Implementations run last-registered-first; use ``@hookimpl(tryfirst=True)`` or
  ``trylast`` where order matters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from hub.contracts import (
        Command,
        IntakeConsumer,
        SlaEvent,
        SlaPolicy,
        TaskEvent,
        TimeRange,
        TriageContext,
        TriageItem,
        TriageSuggestion,
    )
    from hub.runtime import Hub

hookspec = pluggy.HookspecMarker("atlas_hub")
hookimpl = pluggy.HookimplMarker("atlas_hub")


# --- lifecycle and task sources ---------------------------------------------------


@hookspec
def hub_startup(hub: Hub) -> Any:
    """Start the plugin's listeners (an SMTP server, a poller, background jobs).

    Called once per process after the database is migrated and the bus is connected,
    before HTTP requests are served. May be ``async``. Read your settings with
    ``hub.settings_for("<your plugin name>")``. Returning ``None`` is normal.

    :param hub: the running :class:`hub.runtime.Hub` (settings, bus, services).

    Example::

        @hookimpl
        async def hub_startup(hub):
            cfg = hub.settings_for("acme")
            hub.state["acme.poller"] = asyncio.create_task(poll(cfg["url"], hub))
    """


@hookspec
def hub_shutdown(hub: Hub) -> Any:
    """Stop whatever ``hub_startup`` started; called on SIGINT/SIGTERM. May be ``async``.

    Must return within a few seconds: the hub exits within 10 s of the signal.

    Example::

        @hookimpl
        async def hub_shutdown(hub):
            hub.state.pop("acme.poller").cancel()
    """


@hookspec
def hub_routes(hub: Hub) -> list[Any]:
    """Litestar route handlers, controllers or routers mounted at the site root.

    Use for paths with their own authentication: webhooks (``/hooks/...``), the
    portal, calendar feeds. *Sync only.* Return a list (empty for none).

    Example::

        @get("/hooks/acme/ping")
        async def ping() -> dict[str, str]:
            return {"ok": "yes"}

        @hookimpl
        def hub_routes(hub):
            return [ping]
    """


@hookspec
def hub_api_routes(hub: Hub) -> list[Any]:
    """Handlers mounted under ``/api/v1`` behind the hub's bearer-key authentication.

    Use the core guards (``hub.auth.requires_role``) to restrict roles. *Sync only.*

    Example::

        @get("/acme/things", guards=[requires_role("admin")])
        async def things() -> list[str]: ...

        @hookimpl
        def hub_api_routes(hub):
            return [things]
    """


@hookspec
def hub_intake_subjects(hub: Hub) -> list[IntakeConsumer]:
    """Durable JetStream consumers the core runs for this plugin.

    A channel publishes inbound items on ``hub.in.<kind>.<plugin>``; the consumer turns
    them into records. Every hub process runs the same durable, so processes share the
    work. The handler acks each message only after committing it. *Sync only.*

    Example::

        @hookimpl
        def hub_intake_subjects(hub):
            return [IntakeConsumer(subject="hub.in.alert.acme", durable="acme-intake",
                                   handler=lambda msgs: handle(hub, msgs))]
    """


@hookspec
def hub_commands() -> list[Command]:
    """Extra ``atlas-hub`` sub-commands (for example ``atlas-hub smtp``). *Sync only.*

    Example::

        @hookimpl
        def hub_commands():
            return [Command(name="acme-sync", help="sync devices from Acme",
                            configure=lambda p: p.add_argument("--full"),
                            run=lambda args: 0)]
    """


# --- triage ----------------------------------------------------------------------


@hookspec
def hub_triage(item: TriageItem, context: TriageContext) -> TriageSuggestion | None:
    """Suggest category, priority and queue for an inbound item. May be ``async``.

    Every implementation is asked; return ``None`` for no opinion. The core combines
    answers field by field: the highest ``confidence`` wins, ties go to the earlier
    implementation; which plugin said what is recorded with the item. Priorities are
    raised to the customer's tier floor and the VIP floor afterwards, never lowered.
    Keep it fast (it runs on the intake path): a few milliseconds, no blocking I/O.

    Example::

        @hookimpl
        def hub_triage(item, context):
            if "ransomware" in item.body.lower():
                return TriageSuggestion(priority=FieldSuggestion(
                    value="critical", confidence=0.95, reasons=["mentions ransomware"]))
            return None
    """


# --- SLA -------------------------------------------------------------------------


@hookspec(firstresult=True)
def hub_sla_policy(task: dict[str, Any], customer: dict[str, Any]) -> SlaPolicy | None:
    """Decide the SLA targets of a task. *firstresult*, *sync only*.

    Called when a task is created and whenever its priority or customer changes.
    ``task`` and ``customer`` are plain dicts of their current fields. Return an
    :class:`~hub.contracts.SlaPolicy` to replace the built-in policy (which reads the
    customer's SLA tier), or ``None`` to let the next implementation decide.

    Example::

        @hookimpl(tryfirst=True)
        def hub_sla_policy(task, customer):
            if customer["name"] == "Hospital":
                return SlaPolicy(name="hospital", first_response_minutes=15,
                                 resolution_minutes=120, coverage="24x7")
            return None
    """


@hookspec
def hub_sla_event(event: SlaEvent, hub: Hub) -> Any:
    """An SLA clock reached its warning share or breached. May be ``async``.

    Called once per clock and kind (also published on ``hub.evt.sla.<kind>``), after
    downtime too. Use it to page someone or escalate.

    Example::

        @hookimpl
        async def hub_sla_event(event):
            if event.kind == "breached":
                await pager.page(f"task {event.task_id} breached {event.clock}")
    """


# --- events ----------------------------------------------------------------------


@hookspec
def hub_task_event(event: TaskEvent, hub: Hub) -> Any:
    """A task changed (created, updated, status changed, assigned, message added).

    Called in the process that committed the change, after the commit; the same event
    is published on ``hub.evt.task.<kind>`` for other processes. May be ``async``.
    Exceptions are logged and do not undo the change.

    :param event: what changed (``changes`` maps field -> ``[old, new]``).
    :param hub: the running hub (optional in your signature).

    Example::

        @hookimpl
        async def hub_task_event(event):
            if event.kind == "status_changed" and event.status == "resolved":
                await crm.note(event.customer_id, f"task {event.task_id} resolved")
    """


# --- alerts, calendar, billing ---------------------------------------------------


@hookspec
def hub_alert_adapters() -> list[Any]:
    """Alert payload formats this plugin understands. *Sync only.*

    Each adapter has ``name`` (the ``{source}`` in ``POST /hooks/rmm/{source}`` refers
    to a configured source using it) and ``parse(payload, headers, settings)`` returning
    a list of ``plugins.rmm.alerts.NormalizedAlert``; it raises
    ``plugins.rmm.adapters.PayloadError`` naming the problem for malformed input.

    Example::

        class NinjaOne:
            name = "ninjaone"
            def parse(self, payload, headers, settings):
                return [NormalizedAlert(...)]

        @hookimpl
        def hub_alert_adapters():
            return [NinjaOne()]
    """


@hookspec
def hub_calendar_events(range: TimeRange, filters: dict[str, Any]) -> Any:
    """Contribute calendar events in ``range`` (a list of calendar events). May be ``async``.

    ``filters`` may hold ``technician_id``, ``team_id``, ``customer_id`` and ``kinds``;
    return only matching events. Use your own ``kind`` name for new kinds.

    Example::

        @hookimpl
        async def hub_calendar_events(range, filters):
            return [CalendarEvent(uid="backup-7@acme", kind="backup", title="Backup",
                                  start=..., end=...)]
    """


@hookspec
def hub_billing_sinks() -> list[Any]:
    """Places finalised invoices are exported to (accounting systems). *Sync only.*

    Each sink has ``name`` and ``async export(invoice, settings) -> str`` returning the
    remote reference. The core calls each configured sink once per invoice (exports are
    idempotent: a sink is never asked twice for the same invoice after success).

    Example::

        class XeroSink:
            name = "xero"
            async def export(self, invoice, settings):
                return await xero.create_invoice(invoice)

        @hookimpl
        def hub_billing_sinks():
            return [XeroSink()]
    """
