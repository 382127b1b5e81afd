"""Internal notes from monitoring, written in bulk per intake batch.

In a storm most alerts join a device task, and each is noted on it. Through
``messages.add_message`` a note costs five queries and an event; here the notes of a
batch are collected and written with one insert for the messages and one for their
audit entries, and each noted task gets one ``message_added`` event per batch.

This mirrors ``add_message`` for what a system note does: an internal, non-public
message by a non-technician actor, which neither touches the task nor starts or stops
an SLA clock; one audit entry (``message_internal``) per message. Before any service
call that changes a task the pending notes are written (``write``), so messages,
audit entries and events keep the order in which they happened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.db.tables import AuditEntry, Message, Task
from hub.services import tasks
from hub.services.context import Actor
from plugins.rmm.bulk import insert_rows

_EVENT_COLUMNS = (Task.id, Task.customer, Task.status, Task.priority)
_MESSAGE_COLUMNS = (
    "task",
    "direction",
    "channel",
    "author",
    "author_kind",
    "body",
    "public",
    "message_id",
    "attachments",
    "created_at",
)
_AUDIT_COLUMNS = ("entity", "entity_id", "actor", "channel", "action", "field", "old", "new", "at")


class PendingNotes:
    """Notes of one batch not written yet, and the tasks that got one."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._messages: list[tuple[Any, ...]] = []  # in _MESSAGE_COLUMNS order
        self._noted: dict[int, datetime] = {}  # task -> time of its latest note

    def add(self, task_id: int, source: str, body: str) -> None:
        """An internal note on a task from the monitoring source."""
        at = datetime.now(UTC)
        self._messages.append(
            (task_id, "internal", "rmm", f"rmm:{source}", "system", body, False, None, "[]", at)
        )
        self._noted[task_id] = at

    async def write(self, sink: tasks.HubLike) -> None:
        """Insert the pending notes and their audit entries; queue one event per task."""
        if not self._messages:
            return
        # as audit.entries("task", id, actor, channel, "message_internal") for each message
        name, channel = self.actor.name, self.actor.channel
        entries = [
            ("task", m[0], name, channel, "message_internal", "", None, None, m[-1])
            for m in self._messages
        ]
        await insert_rows(Message, _MESSAGE_COLUMNS, self._messages)
        await insert_rows(AuditEntry, _AUDIT_COLUMNS, entries)
        noted = self._noted
        self._messages, self._noted = [], {}
        rows = await Task.select(*_EVENT_COLUMNS).where(Task.id.is_in(list(noted)))
        by_id = {r["id"]: r for r in rows}
        for task_id, at in noted.items():
            event = tasks.event_for(
                "message_added", by_id[task_id], self.actor, at, direction=(None, "internal")
            )
            await sink.task_event(event)
