"""Auto-converted mail lands in the queue triage chose (team and technician)."""

from __future__ import annotations

from typing import Any

import httpx
from inbox_helpers import deliver, mail, rows, wait_for

from hub.contracts import FieldSuggestion, TriageSuggestion
from hub.db.tables import Task
from hub.hookspecs import hookimpl
from hub.runtime import Hub
from tests.hub.api.helpers import post, small_msp


class Router:
    """A triage plugin that is surer than any other about the queue."""

    def __init__(self, team: str, technician_id: int) -> None:
        self.team = team
        self.technician_id = technician_id

    @hookimpl(tryfirst=True)
    def hub_triage(self, item: Any, context: Any) -> TriageSuggestion:
        return TriageSuggestion(
            team=FieldSuggestion(value=self.team, confidence=0.99, reasons=["test route"]),
            technician_id=FieldSuggestion(value=self.technician_id, confidence=0.99),
        )


async def _auto_convert_customer(client: httpx.AsyncClient, h: dict[str, str]) -> dict[str, Any]:
    msp = await small_msp(client, h)
    r = await client.patch(
        f"/api/v1/customers/{msp['customer']['id']}",
        json={"settings": {"auto_convert": True}},
        headers=h,
    )
    assert r.status_code == 200
    return msp


async def _converted_task() -> dict[str, Any]:
    async def ready() -> list[dict[str, Any]] | None:
        found = await rows(status="converted")
        return found or None

    item = (await wait_for(ready, what="a converted item"))[0]
    return await Task.select().where(Task.id == item["task"]).first()


async def test_auto_converted_task_gets_triage_team_and_technician(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    msp = await _auto_convert_customer(client, keys.admin_h)
    hub.pm.register(Router("Desk", msp["tech2"]["id"]), name="router")
    assert await deliver(hub, mail("ops@acme.example", "Printer jam", "Tray 2 again")) == 250
    task = await _converted_task()
    assert task["assignee_team"] == msp["team"]["id"]
    assert task["assignee_technician"] == msp["tech2"]["id"]


async def test_stale_routing_suggestion_is_dropped_not_fatal(
    hub: Hub, client: httpx.AsyncClient, keys: Any
) -> None:
    h = keys.admin_h
    msp = await _auto_convert_customer(client, h)
    gone = await post(client, "/api/v1/technicians", {"name": "Gone", "email": "g@msp.example"}, h)
    r = await client.patch(f"/api/v1/technicians/{gone['id']}", json={"active": False}, headers=h)
    assert r.status_code == 200
    hub.pm.register(Router("No such team", gone["id"]), name="router")
    assert await deliver(hub, mail("ops@acme.example", "Mouse broken", "Left button")) == 250
    task = await _converted_task()
    assert task["assignee_team"] is None and task["assignee_technician"] is None
    assert task["customer"] == msp["customer"]["id"]
