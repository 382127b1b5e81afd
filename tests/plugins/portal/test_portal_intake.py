"""The hub.in.portal consumer: idempotent per submission, bad items dead-lettered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from hub.db.tables import Message, Task
from hub.runtime import Hub
from hub.settings import SettingsError
from plugins.portal.intake import process
from plugins.portal.settings import parse_settings
from plugins.portal.submissions import Submission
from plugins.portal.tables import PortalRequest
from tests.plugins.portal.conftest import Mailbox, World


def _submission(world: World, **extra: Any) -> Submission:
    return Submission(
        submission_id="portal-1-" + "e" * 32,
        contact_id=world.alice["id"],
        customer_id=world.acme["id"],
        contact_email="alice@acme.example",
        subject="Monitor flickers",
        description="Since the update",
        priority="high",
        category="Hardware",
        affected="",
        submitted_at=datetime.now(UTC) - timedelta(minutes=3),
        **extra,
    )


async def test_processing_a_submission_twice_makes_one_task_message_and_request(
    hub: Hub, world: World, mailbox: Mailbox
) -> None:
    item = _submission(world)
    settings = parse_settings({})
    first = await process(hub, settings, item)
    second = await process(hub, settings, item)
    assert first == second
    assert await Task.count() == 1
    assert await Message.count().where(Message.task == first) == 1
    assert await PortalRequest.count() == 1
    task = await Task.select(Task.arrived_at).where(Task.id == first).first()
    assert abs((task["arrived_at"] - item.submitted_at).total_seconds()) < 1e-3


async def test_published_submission_is_consumed_and_undecodable_one_dead_lettered(
    hub: Hub, world: World, mailbox: Mailbox
) -> None:
    bus = hub.bus_required
    await bus.publish_durable("hub.in.portal", b"{not json", key="garbage-1")
    item = _submission(world, attachments=[])
    await bus.publish_durable("hub.in.portal", msgspec.json.encode(item), key=item.submission_id)
    for _ in range(100):
        if await Task.exists().where(Task.intake_key == item.submission_id):
            break
        await asyncio.sleep(0.05)
    assert await Task.count() == 1
    dead = await bus.js.get_last_msg("HUB_DEAD", "hub.dead.hub.in.portal")
    assert dead.data == b"{not json"


def test_settings_errors_name_the_key() -> None:
    with pytest.raises(SettingsError, match="base_url"):
        parse_settings({"base_url": "ftp://x"})
    with pytest.raises(SettingsError, match="session_days"):
        parse_settings({"session_days": 0})
    with pytest.raises(SettingsError, match="unknown"):
        parse_settings({"colour": "red"})
    with pytest.raises(SettingsError, match=r"\{token\}"):
        parse_settings({"magic_link_url": "https://msp.example/login"})
    s = parse_settings({"magic_link_url": "https://msp.example/login?t={token}"})
    assert s.link_for("abc") == "https://msp.example/login?t=abc"
    assert parse_settings({"base_url": "https://h.example/"}).link_for("t") == (
        "https://h.example/portal/auth/t"
    )
