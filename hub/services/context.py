"""Who is acting, and where committed changes are announced.

Services take an :class:`Actor` (for audit) and an :class:`EventSink` (for events after
commit) instead of reaching for HTTP requests or the bus themselves.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

from hub.contracts import TaskEvent


class Actor(msgspec.Struct, frozen=True, kw_only=True):
    name: str  # "admin:alice", "contact:bob@example.com", "system:rmm"
    channel: str  # api | email | portal | rmm | system
    technician_id: int | None = None
    role: str = "system"

    @property
    def is_technician(self) -> bool:
        return self.technician_id is not None or self.role in ("admin", "technician")


SYSTEM = Actor(name="system", channel="system")


class EventSink(Protocol):
    async def task_event(self, event: TaskEvent) -> None: ...


class NullSink:
    """For scripts (demo loading, migrations) that need no announcements."""

    async def task_event(self, event: TaskEvent) -> None:
        return None
