"""Triage plugin: category model, priority cues and routing behind ``hub_triage``.

Also stores a triage record per email/portal/RMM task, records technicians' corrections
from task updates, serves ``/api/v1/triage/...`` and adds ``atlas-hub triage retrain|eval``.
See ``plugins/triage/README.md``.
"""

from __future__ import annotations

from typing import Any

from hub.contracts import Command, TaskEvent, TriageContext, TriageItem, TriageSuggestion
from hub.hookspecs import hookimpl
from hub.logs import get_logger
from hub.runtime import Hub
from plugins.triage import records
from plugins.triage.api import ROUTES, STATE_KEY
from plugins.triage.cli import COMMAND
from plugins.triage.runtime import CURRENT, TriageRuntime, current

log = get_logger("plugins.triage")


@hookimpl
async def hub_startup(hub: Hub) -> None:
    """Validate ``[triage]`` and load the active category model (once per process)."""
    runtime = TriageRuntime.from_hub(hub)
    await runtime.start()
    hub.state[STATE_KEY] = runtime
    CURRENT["runtime"] = runtime


@hookimpl
async def hub_shutdown(hub: Hub) -> None:
    """Store buffered review entries and round-robin increments."""
    runtime: TriageRuntime | None = hub.state.pop(STATE_KEY, None)
    if runtime is None:
        return
    if CURRENT.get("runtime") is runtime:
        CURRENT.pop("runtime")
    await runtime.stop()


@hookimpl
async def hub_triage(item: TriageItem, context: TriageContext) -> TriageSuggestion | None:
    """Category (model, with top terms), priority (cue phrases, alert floor), team and
    technician (roster, load, on-call, round robin) or the review queue below the threshold."""
    runtime = current()
    if runtime is None:
        return None
    return await runtime.suggest(item, context)


@hookimpl
async def hub_task_event(event: TaskEvent, hub: Hub) -> None:
    """``created``: store the triage record of an email/portal/RMM task.

    ``updated``: record corrections of the stored suggestion.
    """
    runtime: TriageRuntime | None = hub.state.get(STATE_KEY)
    if runtime is None or event.kind not in ("created", "updated"):
        return
    try:
        if event.kind == "created":
            await records.record_created(runtime, hub, event)
        else:
            await records.record_corrections(event)
    except Exception:
        # never raise into the core's event loop: the other plugins must still hear it
        log.exception("triage_task_event_failed", task_id=event.task_id, kind=event.kind)


@hookimpl
def hub_api_routes(hub: Hub) -> list[Any]:
    """``/api/v1/triage/review``, ``/model`` and ``/corrections``."""
    return list(ROUTES)


@hookimpl
def hub_commands() -> list[Command]:
    """``atlas-hub triage retrain|eval``."""
    return [COMMAND]
