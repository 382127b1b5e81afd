"""How much of a document's net amount belongs to each project (profitability report).

Time lines split by the logged minutes of their entries per project (exact with the
default task grouping, where a line holds one task); milestone and completion lines
belong to their project; fees of agreements belong to no project.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from plugins.billing.model import InvoiceLine
from plugins.billing.money import round_money


def project_shares(
    lines: Iterable[InvoiceLine],
    currency: str,
    entry_project: Mapping[str, int],
    entry_minutes: Mapping[str, int],
    milestone_project: Mapping[int, int],
) -> dict[int, Decimal]:
    """Net amount per project id over ``lines``."""
    shares: dict[int, Decimal] = {}
    for line in lines:
        if line.source_kind == "milestone":
            for source in line.source_ids:
                project = milestone_project.get(int(source[1:]))
                if project is not None:
                    shares[project] = shares.get(project, Decimal(0)) + line.net_amount
        elif line.source_kind == "project_completion":
            for source in line.source_ids:
                project = int(source[1:])
                shares[project] = shares.get(project, Decimal(0)) + line.net_amount
        elif line.source_kind == "time" and line.net_amount:
            minutes: dict[int, int] = {}
            for entry in dict.fromkeys(line.source_ids):
                project = entry_project.get(entry)
                if project is not None:
                    minutes[project] = minutes.get(project, 0) + entry_minutes.get(entry, 0)
            total = sum(entry_minutes.get(e, 0) for e in dict.fromkeys(line.source_ids))
            for project, part in minutes.items():
                amount = round_money(line.net_amount * part / total, currency) if total else 0
                shares[project] = shares.get(project, Decimal(0)) + amount
    return shares
