"""Gap-free document numbers: a counter row incremented in the finalising transaction.

``UPDATE billing_counter SET value = value + 1 WHERE name = ? RETURNING value`` runs
inside the same transaction that writes the invoice. On PostgreSQL the UPDATE locks
the counter row until commit, so concurrent finalisations queue behind it; on SQLite
the transaction is ``BEGIN IMMEDIATE`` (one writer at a time). Either way a rollback
also rolls the counter back, so a number is used exactly when an invoice commits.
"""

from __future__ import annotations

from plugins.billing.tables import Counter

SERIES = ("invoice", "credit_note")


async def ensure_series() -> None:
    """Create the counter rows once (start-up), so finalising never has to insert one."""
    for name in SERIES:
        await Counter.insert(Counter(name=name, value=0)).on_conflict(action="DO NOTHING")


async def next_value(series: str) -> int:
    """The next number of ``series``; call inside the finalising transaction."""
    rows = (
        await Counter.update({Counter.value: Counter.value + 1})
        .where(Counter.name == series)
        .returning(Counter.value)
    )
    if not rows:
        raise RuntimeError(f"number series {series!r} missing; ensure_series() runs at start-up")
    return int(rows[0]["value"])


def format_number(prefix: str, value: int, digits: int) -> str:
    """``INV-000042``: the prefix and the zero-padded value."""
    return f"{prefix}{value:0{digits}d}"
