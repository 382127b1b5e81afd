"""Portal requests land in the queue triage picks, as mail does; the contact's choices stand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hub.db.tables import Task
from hub.runtime import Hub
from plugins.portal.intake import process
from plugins.portal.settings import parse_settings
from plugins.portal.submissions import Submission
from tests.conftest import Keys
from tests.hub.api.helpers import post
from tests.plugins.portal.conftest import OTHERS_OFF, PORTAL, Mailbox, World
from tests.plugins.triage.hub_helpers import ACCESS_BODY, ACCESS_SUBJECT


@pytest.fixture
def plugin_config() -> dict[str, dict[str, Any]]:
    """The portal plus the real triage plugin (its shipped model and routing table)."""
    return {**OTHERS_OFF, "triage": {}, "portal": dict(PORTAL)}


def _access_request(world: World, key: str) -> Submission:
    """A locked-out contact's request: the shipped model reads it as Access."""
    return Submission(
        submission_id=f"portal-1-{key:0>32}",
        contact_id=world.alice["id"],
        customer_id=world.acme["id"],
        contact_email="alice@acme.example",
        subject=ACCESS_SUBJECT,
        description=ACCESS_BODY,
        priority="normal",
        category="Other",
        affected="",
        submitted_at=datetime.now(UTC) - timedelta(minutes=1),
    )


async def _teams(client: httpx.AsyncClient, h: dict[str, str], world: World) -> dict[str, Any]:
    desk = await post(
        client, "/api/v1/teams", {"name": "Service Desk", "member_ids": [world.tech["id"]]}, h
    )
    infra = await post(client, "/api/v1/teams", {"name": "Infrastructure", "member_ids": []}, h)
    return {"desk": desk, "infra": infra}


async def test_access_request_is_routed_to_the_service_desk_technician(
    hub: Hub, client: httpx.AsyncClient, keys: Keys, world: World, mailbox: Mailbox
) -> None:
    teams = await _teams(client, keys.admin_h, world)
    item = _access_request(world, "a")
    task_id = await process(hub, parse_settings({}), item)
    task = await Task.select().where(Task.id == task_id).first()
    assert task["assignee_team"] == teams["desk"]["id"]
    assert task["assignee_technician"] == world.tech["id"]
    # triage picks the queue only: what the contact chose is kept
    assert (task["priority"], task["category"]) == ("normal", "Other")


async def test_request_routed_to_a_team_that_does_not_exist_is_unassigned(
    hub: Hub, client: httpx.AsyncClient, keys: Keys, world: World, mailbox: Mailbox
) -> None:
    # no teams at all: triage can only send the request to its review queue
    item = _access_request(world, "b")
    task_id = await process(hub, parse_settings({}), item)
    task = await Task.select().where(Task.id == task_id).first()
    assert task["assignee_team"] is None and task["assignee_technician"] is None
    assert await Task.count() == 1
