"""One fetched batch, applied at once, ends where the same messages one by one would.

The intake reads a batch's state up front and writes alert rows, notes and times in bulk;
these tests feed the consumer handler a batch directly (the bus decides batching in the
HTTP tests, so it is not deterministic there) and check every alert, task and note.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from rmm_http import get_json

from hub.db.tables import AuditEntry, Message, Task
from plugins.rmm.intake import AlertIntake
from plugins.rmm.tables import RmmAlert, RmmIntake
from tests.hub.api.helpers import small_msp

T0 = datetime.now(UTC) - timedelta(minutes=5)


class FakeMsg:
    """Just what the intake reads of a JetStream message; records acks."""

    def __init__(self, alert: dict[str, Any], at: datetime) -> None:
        self.data = json.dumps({"alerts": [alert]}).encode()
        self.subject = "hub.in.alert.rmm"
        self.metadata = None
        self.headers = {
            "Atlas-Source": "generic",
            "X-Atlas-Received-At": at.isoformat().replace("+00:00", "Z"),
            "Nats-Msg-Id": hashlib.sha256(b"generic\0" + self.data).hexdigest(),
        }
        self.acked = False

    async def ack(self) -> None:
        self.acked = True


def alert(ident: str, status: str, seq: int, device: str = "web01") -> dict[str, Any]:
    return {
        "id": ident,
        "status": status,
        "severity": "high",
        "title": f"Problem {ident}",
        "device": device,
        "customer": "acme",
        "labels": {"seq": str(seq)},
    }


def scenario() -> list[FakeMsg]:
    steps = [
        alert("disk", "firing", 1),  # opens a task
        alert("cpu", "firing", 2),  # same device: joins it with a note
        alert("disk", "firing", 3),  # repeat
        alert("disk", "resolved", 4),  # cpu still fires: note only
        alert("cpu", "resolved", 5),  # the last one: resolves the task
        alert("ping", "firing", 6, device="db01"),  # another device: its own task
    ]
    return [FakeMsg(a, T0 + timedelta(seconds=i)) for i, a in enumerate(steps)]


async def outcome(client: Any, h: dict[str, str]) -> dict[str, Any]:
    alerts = {
        r["fingerprint"]: (r["status"], r["times_seen"], r["last_action"], r["task"])
        for r in await RmmAlert.select().order_by(RmmAlert.id)
    }
    tasks = await Task.select(Task.id, Task.status, Task.device).order_by(Task.id)
    notes = {
        t["id"]: [m["body"] for m in await get_json(client, f"/api/v1/tasks/{t['id']}/messages", h)]
        for t in tasks
    }
    audit = await AuditEntry.count().where(AuditEntry.action == "message_internal")
    return {"alerts": alerts, "tasks": tasks, "notes": notes, "audit": audit}


async def test_a_batch_is_applied_like_its_messages_in_order(hub, client, keys) -> None:
    h = keys.admin_h
    await small_msp(client, h)
    msgs = scenario()
    await AlertIntake(hub, hub.state["rmm"]).handle(msgs)

    assert all(m.acked for m in msgs)
    assert await RmmIntake.count() == len(msgs)
    result = await outcome(client, h)
    first, second = (t["id"] for t in result["tasks"])
    assert result["alerts"] == {
        "disk": ("resolved", 3, "note_only", first),
        "cpu": ("resolved", 2, "resolve_task", first),
        "ping": ("firing", 1, "create_task", second),
    }
    assert [t["status"] for t in result["tasks"]] == ["resolved", "open"]
    bodies = result["notes"][first]
    assert len(bodies) == 3 and result["notes"][second] == []
    assert bodies[0].startswith("Another alert on this device: Problem cpu")
    assert "task left open (1 other alert(s) on the task still firing)" in bodies[1]
    assert bodies[2].startswith("Resolved by monitoring: Problem cpu")
    assert result["audit"] == 3  # one audit entry per note, as messages.add_message writes

    # a redelivered batch changes nothing
    again = scenario()
    await AlertIntake(hub, hub.state["rmm"]).handle(again)
    assert all(m.acked for m in again)
    assert await outcome(client, h) == result
    assert await Message.count() == 3


async def test_one_message_per_batch_gives_the_same_result(hub, client, keys) -> None:
    h = keys.admin_h
    await small_msp(client, h)
    intake = AlertIntake(hub, hub.state["rmm"])
    for msg in scenario():
        await intake.handle([msg])
    result = await outcome(client, h)
    first, second = (t["id"] for t in result["tasks"])
    assert result["alerts"] == {
        "disk": ("resolved", 3, "note_only", first),
        "cpu": ("resolved", 2, "resolve_task", first),
        "ping": ("firing", 1, "create_task", second),
    }
    assert len(result["notes"][first]) == 3 and result["audit"] == 3
