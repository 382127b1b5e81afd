"""The task status state machine.

::

    open ──▶ in_progress ──▶ resolved ──▶ closed
     │  ◀──      │    ▲          │           │
     ▼           ▼    │          ▼           │
    waiting_on_customer        open (reopen) ◀┘ (reopen)

* ``closed`` only from ``resolved``; a closed task can only be reopened (``open``).
* ``resolved`` from any working state; reopening goes back to ``open`` or ``in_progress``.
* A customer reply moves ``waiting_on_customer`` back to ``open``
  (:data:`CUSTOMER_REPLY_TRANSITIONS`).
"""

from __future__ import annotations

from hub.errors import Conflict

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "waiting_on_customer", "resolved"}),
    "in_progress": frozenset({"open", "waiting_on_customer", "resolved"}),
    "waiting_on_customer": frozenset({"open", "in_progress", "resolved"}),
    "resolved": frozenset({"closed", "open", "in_progress"}),
    "closed": frozenset({"open"}),
}

#: what a reply from the customer does to a task in each status
CUSTOMER_REPLY_TRANSITIONS: dict[str, str] = {"waiting_on_customer": "open", "resolved": "open"}

OPEN_STATUSES = ("open", "in_progress", "waiting_on_customer")
DONE_STATUSES = ("resolved", "closed")


def check_transition(old: str, new: str) -> None:
    """Raise :class:`Conflict` with the reason when ``old -> new`` is not allowed."""
    if old == new:
        return
    allowed = TRANSITIONS.get(old, frozenset())
    if new not in allowed:
        hint = "; closed is only reachable from resolved" if new == "closed" else ""
        raise Conflict(
            f"status cannot change from {old} to {new}; allowed: {', '.join(sorted(allowed))}"
            f"{hint}",
            old=old,
            new=new,
            allowed=sorted(allowed),
        )
