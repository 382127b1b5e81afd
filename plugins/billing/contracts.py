"""Which contract a time entry is billed to.

The order, applied to each entry's billed (already rounded) minutes:

0. Non-billable entries (``Rate.billable`` False) go nowhere: kind ``non_billable``.
   They never draw a block down.
1. **The task's project**, when the project is active for the entry - status
   ``active``, or ``completed`` with the work dated on/before ``completed_on`` (time
   logged while it ran) - and its billing mode covers time:
   ``time_and_materials`` bills the time at rates (kind ``project_time_and_materials``);
   ``fixed_fee_milestones`` / ``fixed_fee_completion`` absorb it against the fixed fee
   (kind ``project_fixed_fee``, not billed). Mode ``none``, planned or cancelled
   projects do not take the time: it falls through.
2. **A covering agreement** of the same customer, in effect on the work date
   (status ``active``, ``starts_on <= work_date <= ends_on``) and covering the work
   type (empty ``work_types`` covers all). Retainers come first and absorb the time
   (kind ``retainer``). Then blocks of hours, soonest-expiring first (open-ended
   last, then by start date and id), each drawing down its balance (kind
   ``block_hours``). When a block runs out mid-entry the entry is split: the drawn part
   stays on the block and the remainder falls to the next block, then to rule 3.
3. **Time and materials**: the rest bills at rates (kind ``time_and_materials``).

Blocks draw in chronological order of ``started_at`` (then entry id), so the same
entries always exhaust a block at the same point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Literal

import msgspec

from .model import AgreementRow, MilestoneRow, ProjectRow, TimeEntryRow
from .money import SIXTY, ZERO

PortionKind = Literal[
    "non_billable",
    "project_time_and_materials",
    "project_fixed_fee",
    "retainer",
    "block_hours",
    "time_and_materials",
]
BILLED_KINDS: frozenset[str] = frozenset({"project_time_and_materials", "time_and_materials"})


class TimePortion(msgspec.Struct, frozen=True):
    """Part (or all) of one entry's billed minutes and the contract that takes it."""

    entry_id: str
    minutes: Decimal
    kind: PortionKind
    contract_id: str | None

    @property
    def billed(self) -> bool:
        """True when the portion is charged at an hourly rate."""
        return self.kind in BILLED_KINDS


class Allocation(msgspec.Struct, kw_only=True):
    """Every entry's portions, plus the hours drawn from each block."""

    portions: list[TimePortion]
    block_hours_drawn: dict[str, Decimal]


def project_covers(project: ProjectRow, work_date: date) -> bool:
    """Rule 1: the project takes time dated ``work_date``."""
    if project.billing_mode == "none":
        return False
    if project.status == "active":
        return True
    return (
        project.status == "completed"
        and project.completed_on is not None
        and work_date <= project.completed_on
    )


def agreement_covers(agreement: AgreementRow, entry: TimeEntryRow) -> bool:
    """Rule 2: the agreement is in effect on the entry's date and covers its work."""
    return (
        agreement.kind != "subscription"
        and agreement.status == "active"
        and agreement.customer_id == entry.customer_id
        and agreement.starts_on <= entry.work_date
        and (agreement.ends_on is None or entry.work_date <= agreement.ends_on)
        and (not agreement.work_types or entry.work_type in agreement.work_types)
    )


def _agreement_order(agreement: AgreementRow) -> tuple[int, date, date, str]:
    expiry = agreement.ends_on or date.max
    rank = 0 if agreement.kind == "retainer" else 1
    return (rank, expiry if rank else date.min, agreement.starts_on, agreement.id)


class ContractAllocator:
    """Applies the contract order entry by entry, tracking block balances."""

    def __init__(self, projects: Mapping[str, ProjectRow], agreements: Sequence[AgreementRow]):
        self._projects = projects
        self._agreements = sorted(
            (a for a in agreements if a.kind != "subscription"), key=_agreement_order
        )
        # remaining balance per block, in minutes (Decimal: hour balances like 10.33 h)
        self._balance: dict[str, Decimal] = {
            a.id: max(ZERO, ((a.hours_total or ZERO) - a.hours_used) * SIXTY)
            for a in self._agreements
            if a.kind == "block_hours"
        }
        self._drawn: dict[str, Decimal] = {}

    @property
    def block_hours_drawn(self) -> dict[str, Decimal]:
        """Hours drawn from each block so far (only blocks that were drawn)."""
        return {key: minutes / SIXTY for key, minutes in self._drawn.items()}

    def allocate(
        self, entry: TimeEntryRow, minutes: int | Decimal, billable: bool
    ) -> list[TimePortion]:
        """Portions of ``minutes`` billed minutes of ``entry`` (see module order)."""
        remaining = Decimal(minutes)
        if not billable:
            return [TimePortion(entry.id, remaining, "non_billable", None)]
        project = self._projects.get(entry.project_id) if entry.project_id else None
        if project is not None and project_covers(project, entry.work_date):
            kind: PortionKind = (
                "project_time_and_materials"
                if project.billing_mode == "time_and_materials"
                else "project_fixed_fee"
            )
            return [TimePortion(entry.id, remaining, kind, project.id)]
        portions: list[TimePortion] = []
        for agreement in self._agreements:
            if not agreement_covers(agreement, entry):
                continue
            if agreement.kind == "retainer":
                portions.append(TimePortion(entry.id, remaining, "retainer", agreement.id))
                return portions
            balance = self._balance[agreement.id]
            if balance <= 0:
                continue
            drawn = min(balance, remaining)
            self._balance[agreement.id] = balance - drawn
            self._drawn[agreement.id] = self._drawn.get(agreement.id, ZERO) + drawn
            portions.append(TimePortion(entry.id, drawn, "block_hours", agreement.id))
            remaining -= drawn
            if remaining <= 0:
                return portions
        portions.append(TimePortion(entry.id, remaining, "time_and_materials", None))
        return portions


def chronological(entries: Iterable[TimeEntryRow]) -> list[TimeEntryRow]:
    """Entries in the order blocks draw them: ``started_at``, then id."""
    return sorted(entries, key=lambda e: (e.started_at, e.id))


def allocate_time(
    entries: Iterable[TimeEntryRow],
    *,
    projects: Mapping[str, ProjectRow],
    agreements: Sequence[AgreementRow],
    billed_minutes: Callable[[TimeEntryRow], int],
    is_billable: Callable[[TimeEntryRow], bool],
) -> Allocation:
    """Allocate every entry (in chronological order) to its contract."""
    allocator = ContractAllocator(projects, agreements)
    portions: list[TimePortion] = []
    for entry in chronological(entries):
        portions.extend(allocator.allocate(entry, billed_minutes(entry), is_billable(entry)))
    return Allocation(portions=portions, block_hours_drawn=allocator.block_hours_drawn)


# --- fixed-fee projects ----------------------------------------------------------


class MilestoneFeeCheck(msgspec.Struct, frozen=True, kw_only=True):
    """Do a fixed-fee project's milestone fees add up to its contract value?

    ``difference`` = contract value - sum of fees: positive means under-allocated.
    """

    project_id: str
    contract_value: Decimal | None
    fees_total: Decimal
    difference: Decimal | None
    missing_fee_milestone_ids: tuple[str, ...]
    ok: bool


def check_milestone_fees(
    project: ProjectRow, milestones: Iterable[MilestoneRow]
) -> MilestoneFeeCheck:
    """Validate that the milestone fees of ``project`` sum exactly to its value.

    Only meaningful for ``fixed_fee_milestones`` projects; not ok when the value is
    missing, a milestone has no fee, or the sum differs.
    """
    own = [m for m in milestones if m.project_id == project.id]
    missing = tuple(m.id for m in own if m.fee is None)
    total = sum((m.fee for m in own if m.fee is not None), ZERO)
    difference = None if project.contract_value is None else project.contract_value - total
    return MilestoneFeeCheck(
        project_id=project.id,
        contract_value=project.contract_value,
        fees_total=total,
        difference=difference,
        missing_fee_milestone_ids=missing,
        ok=difference == 0 and not missing,
    )
