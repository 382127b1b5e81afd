"""A complete, minimal Atlas Hub plugin.

* reads its settings from ``plugins.toml`` (``[acme] greeting = "..."``),
* mounts a route at ``/hooks/acme/status`` (outside ``/api/v1``: it does its own auth),
* keeps the task events it receives (``hub_task_event``) in its runtime state.
"""

from __future__ import annotations

from typing import Any

from litestar import get

from hub.contracts import TaskEvent
from hub.hookspecs import hookimpl

STATE_KEY = "acme"


@hookimpl
def hub_startup(hub: Any) -> None:
    settings = hub.settings_for("acme")
    hub.state[STATE_KEY] = {"greeting": settings.get("greeting", "hello"), "events": []}


@hookimpl
def hub_routes(hub: Any) -> list[Any]:
    @get("/hooks/acme/status", operation_id="acmeStatus", sync_to_thread=False)
    def status() -> dict[str, Any]:
        state = hub.state[STATE_KEY]
        return {"greeting": state["greeting"], "events": state["events"]}

    return [status]


@hookimpl
async def hub_task_event(event: TaskEvent, hub: Any) -> None:
    # A real plugin would call its PSA, CRM or chat tool here.
    hub.state[STATE_KEY]["events"].append(f"{event.kind}:{event.task_id}")


@hookimpl
def hub_shutdown(hub: Any) -> None:
    hub.state.pop(STATE_KEY, None)
