"""Live routing data, cached per process: teams, members, skills, open load, availability.

Triage runs on the intake path, so it must not query the database per item. The roster is
loaded at most once per ``cache_seconds`` (the first item after expiry pays one refresh);
in between, routing works from memory. Round-robin counters are kept per team in the
``triage_counter`` table so they survive restarts and are shared between processes: each
process counts locally and adds its increments to the stored counter at every refresh, then
continues from the shared total. Items routed since the last refresh count towards their
technician's open load, so a burst does not all land on the same person.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count

from hub.contracts import TimeRange
from hub.db.engine import write_transaction
from hub.db.tables import Task, Team, TeamMember
from hub.logs import get_logger
from hub.plugins import PluginManager, await_all, flatten
from plugins.triage.routing import TechnicianInfo
from plugins.triage.tables import TriageCounter

log = get_logger("plugins.triage.roster")
OPEN_STATUSES = ("open", "in_progress", "waiting_on_customer")
CALENDAR_KINDS = ["oncall", "leave"]


class Roster(msgspec.Struct, kw_only=True):
    """One snapshot of who can take work."""

    teams: set[str]
    technicians: list[TechnicianInfo]
    on_call: frozenset[str]
    on_leave: frozenset[str]
    calendar: bool  # a calendar plugin answered
    loaded_at: float


async def calendar_now(pm: PluginManager, now: datetime) -> tuple[set[str], set[str], bool]:
    """Technician ids on call and on leave at ``now``, from whichever plugins answer.

    Events are read duck-typed (``kind``, ``technician_id``, ``start``, ``end``) so the
    calendar plugin's types are not imported; without a calendar plugin both sets are empty.
    """
    caller = pm.hook.hub_calendar_events
    if not caller.get_hookimpls():
        return set(), set(), False
    span = TimeRange(start=now, end=now + timedelta(seconds=1))
    try:
        events = flatten(
            await await_all(caller(range=span, filters={"kinds": list(CALENDAR_KINDS)}))
        )
    except Exception:
        log.exception("triage_calendar_failed")
        return set(), set(), False
    on_call: set[str] = set()
    leave: set[str] = set()
    for event in events:
        tech = getattr(event, "technician_id", None)
        start, end = getattr(event, "start", None), getattr(event, "end", None)
        if tech is None or start is None or end is None or not start <= now < end:
            continue
        kind = getattr(event, "kind", "")
        if kind == "oncall":
            on_call.add(str(tech))
        elif kind == "leave":
            leave.add(str(tech))
    return on_call, leave, True


class RosterCache:
    """The per-process roster and round-robin state (see the module docstring)."""

    def __init__(self, pm: PluginManager, ttl: float) -> None:
        self.pm = pm
        self.ttl = ttl
        self._roster: Roster | None = None
        self._lock = asyncio.Lock()
        self._base: dict[str, int] = {}
        self._delta: Counter[str] = Counter()
        self._pending_load: Counter[str] = Counter()

    def fresh(self) -> Roster | None:
        """The cached roster if it is still within its time to live."""
        roster = self._roster
        if roster is not None and time.monotonic() - roster.loaded_at < self.ttl:
            return roster
        return None

    async def get(self) -> Roster:
        """The roster, refreshed first when it has expired."""
        roster = self.fresh()
        if roster is not None:
            return roster
        async with self._lock:
            roster = self.fresh()
            if roster is None:
                roster = await self.refresh()
            return roster

    async def refresh(self) -> Roster:
        """Store local counter increments, then reload everything from the database."""
        await self.flush_counters()
        members = await TeamMember.select(
            TeamMember.team.name.as_alias("team"),
            TeamMember.technician.as_alias("technician"),
            TeamMember.technician.skills.as_alias("skills"),
            TeamMember.technician.active.as_alias("active"),
        )
        teams = {r["name"] for r in await Team.select(Team.name)}
        loads = await (
            Task.select(Task.assignee_technician, Count(Task.id, alias="n"))
            .where(Task.status.is_in(list(OPEN_STATUSES)) & Task.assignee_technician.is_not_null())
            .group_by(Task.assignee_technician)
        )
        load = {str(r["assignee_technician"]): int(r["n"]) for r in loads}
        on_call, leave, calendar = await calendar_now(self.pm, datetime.now(UTC))
        technicians = [
            TechnicianInfo(
                id=str(r["technician"]),
                team=r["team"],
                skills=frozenset(_skills(r["skills"])),
                open_load=load.get(str(r["technician"]), 0),
                available=str(r["technician"]) not in leave,
            )
            for r in members
            if r["active"]
        ]
        self._pending_load.clear()
        self._roster = Roster(
            teams=teams,
            technicians=technicians,
            on_call=frozenset(on_call),
            on_leave=frozenset(leave),
            calendar=calendar,
            loaded_at=time.monotonic(),
        )
        return self._roster

    async def flush_counters(self) -> None:
        """Add this process's round-robin increments to the shared counters; reload them."""
        delta = {team: n for team, n in self._delta.items() if n}
        if delta:
            now = datetime.now(UTC)
            async with write_transaction():
                for team, n in delta.items():
                    await TriageCounter.insert(
                        TriageCounter(team=team, counter=0, updated_at=now)
                    ).on_conflict(target=TriageCounter.team, action="DO NOTHING")
                    await TriageCounter.update(
                        {
                            TriageCounter.counter: TriageCounter.counter + n,
                            TriageCounter.updated_at: now,
                        }
                    ).where(TriageCounter.team == team)
            self._delta.clear()
        rows = await TriageCounter.select(TriageCounter.team, TriageCounter.counter)
        self._base = {r["team"]: int(r["counter"]) for r in rows}

    def counter(self, team: str) -> int:
        """The round-robin position of ``team`` as this process sees it."""
        return self._base.get(team, 0) + self._delta[team]

    def technicians(self, roster: Roster) -> list[TechnicianInfo]:
        """Roster technicians with the load routed to them since the last refresh added."""
        if not self._pending_load:
            return roster.technicians
        return [
            msgspec.structs.replace(t, open_load=t.open_load + self._pending_load[t.id])
            if self._pending_load[t.id]
            else t
            for t in roster.technicians
        ]

    def commit(self, team: str, advanced: int, technician_id: str | None) -> None:
        """Record that an item was routed: advance the counter, count the pending load."""
        if advanced:
            self._delta[team] += advanced
        if technician_id is not None:
            self._pending_load[technician_id] += 1


def _skills(raw: Any) -> list[str]:
    if isinstance(raw, str):
        try:
            raw = msgspec.json.decode(raw or "[]")
        except msgspec.DecodeError:
            return []
    return [str(s).lower() for s in raw or [] if isinstance(s, str)]
