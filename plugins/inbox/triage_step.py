"""Customer match and triage hand-off for one inbound mail.

The customer is matched deterministically (``hub.services.customers.match_sender``:
contact address, then domain, else unmatched and flagged for review). Triage goes
through ``hub.services.triage.run_triage`` with the customer's tier floor, VIP flag and
the team names; when no plugin suggests a priority, the suggestion is ``normal`` raised
to the floors (triage never lowers below a floor).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from hub.contracts import PRIORITIES, TriageContext, TriageItem
from hub.db.tables import Customer
from hub.plugins import PluginManager
from hub.schemas.common import normalise_email
from hub.services.customers import CustomerMatch, match_sender, match_senders
from hub.services.triage import (
    CONTEXT_COLUMNS,
    TriageResult,
    context_from_row,
    run_triage,
    team_names,
)

DEFAULT_PRIORITY = "normal"


class Suggestion(msgspec.Struct, kw_only=True):
    """What the inbox shows next to an item, and what convert pre-fills."""

    customer_id: int | None
    contact_id: int | None
    match_method: str
    needs_review: bool
    priority: str
    team: str
    category: str
    reasons: list[str]
    triage: dict[str, Any]
    #: the technician triage routed to (None: the team's queue or review)
    technician_id: int | None = None


class TriageCache:
    """Per-batch memo of customer contexts and team names (one query each, not per mail)."""

    def __init__(self) -> None:
        self._contexts: dict[int | None, tuple[TriageContext, dict[str, Any]]] = {}
        self._teams: list[str] | None = None
        self._matches: dict[str, CustomerMatch] = {}

    async def match(self, sender: str | None) -> CustomerMatch:
        key = (sender or "").lower()
        if key not in self._matches:
            if not key or "@" not in key:
                self._matches[key] = CustomerMatch(
                    customer_id=None, contact_id=None, method="unmatched"
                )
            else:
                self._matches[key] = await match_sender(key)
        return self._matches[key]

    async def prefetch(self, senders: Iterable[str | None]) -> None:
        """Match every sender of a batch at once (two queries, not two per mail)."""
        todo = {(s or "").lower() for s in senders} - self._matches.keys()
        addresses = [s for s in todo if "@" in s]
        if addresses:
            found = await match_senders(addresses)
            for address in addresses:
                self._matches[address] = found[normalise_email(address)]

    async def teams(self) -> list[str]:
        if self._teams is None:
            self._teams = await team_names()
        return self._teams

    async def context(self, customer_id: int | None, vip: bool) -> TriageContext:
        if customer_id not in self._contexts:
            row = None
            if customer_id is not None:
                row = (
                    await Customer.select(*CONTEXT_COLUMNS, Customer.settings)
                    .where(Customer.id == customer_id)
                    .first()
                )
            base = context_from_row(row, teams=await self.teams())
            settings = msgspec.json.decode((row or {}).get("settings") or "{}")
            self._contexts[customer_id] = (base, settings)
        base, _ = self._contexts[customer_id]
        return msgspec.structs.replace(base, vip=vip)

    def customer_settings(self, customer_id: int | None) -> dict[str, Any]:
        """Customer settings (``auto_convert``, ``reopen_days``) after :meth:`context`."""
        entry = self._contexts.get(customer_id)
        return entry[1] if entry else {}


def _default_priority(result: TriageResult, context: TriageContext) -> tuple[str, list[str]]:
    """The suggested priority and its reasons, with ``normal`` when no plugin had one."""
    suggested = result.priority
    plugin_said = suggested is not None and result.sources.get("priority") != "floor"
    if plugin_said and suggested is not None:
        return str(suggested.value), list(suggested.reasons)
    floor_value = str(suggested.value) if suggested else "low"
    reasons = list(suggested.reasons) if suggested else []
    if PRIORITIES.index(floor_value) > PRIORITIES.index(DEFAULT_PRIORITY):  # type: ignore[arg-type]
        return DEFAULT_PRIORITY, ["no triage suggestion: default normal"]
    return floor_value, reasons


async def suggest(
    pm: PluginManager,
    cache: TriageCache,
    *,
    sender: str | None,
    subject: str,
    body: str,
    received_at: datetime,
) -> Suggestion:
    """Match the sender to a customer and run triage; never guesses a customer."""
    match = await cache.match(sender)
    context = await cache.context(match.customer_id, match.vip)
    item = TriageItem(
        kind="email",
        subject=subject,
        body=body,
        sender=sender or "",
        customer_id=match.customer_id,
        contact_id=match.contact_id,
        received_at=received_at,
    )
    result = await run_triage(pm, item, context)
    priority, reasons = _default_priority(result, context)
    if match.method == "unmatched":
        reasons = [f"sender {sender or '(none)'} matches no contact or domain: review", *reasons]
    else:
        reasons = [f"customer matched by {match.method}", *reasons]
    team = str(result.team.value) if result.team else ""
    category = str(result.category.value) if result.category else ""
    tech = result.technician_id.value if result.technician_id else None
    return Suggestion(
        technician_id=tech if isinstance(tech, int) else None,
        customer_id=match.customer_id,
        contact_id=match.contact_id,
        match_method=match.method,
        needs_review=match.method == "unmatched",
        priority=priority,
        team=team,
        category=category,
        reasons=reasons,
        triage=msgspec.to_builtins(result),
    )
