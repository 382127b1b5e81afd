"""Progress of milestones and projects: tasks, checklist items, hours, dates.

A task counts as done when it is resolved or closed. An open task with a checklist
counts for the share of its items that are done, so the bar moves as work moves;
a completed milestone is 100 %. Overdue: a target date (milestone) or due date
(project) before today in the customer's zone while not complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.query.functions.aggregate import Sum

from hub.db.tables import Customer, Task, TimeEntry
from hub.projects.schemas import Indicator, Progress

DONE_STATUSES = frozenset({"resolved", "closed"})
AT_RISK_DAYS = 7  # a target this close with under 80 % done is "at risk"
COLOURS = {
    "not_started": "#9e9e9e",
    "on_track": "#2e7d32",
    "at_risk": "#f9a825",
    "overdue": "#c62828",
    "done": "#1565c0",
    "cancelled": "#616161",
}


async def customer_today(customer_id: int) -> date:
    """Today's date in the customer's time zone (overdue flags, completion dates)."""
    row = await Customer.select(Customer.timezone).where(Customer.id == customer_id).first()
    zone = ZoneInfo(row["timezone"]) if row and row["timezone"] not in (None, "", "UTC") else UTC
    return datetime.now(zone).date()


@dataclass
class Tally:
    """Running totals of the tasks under one milestone (or a whole project)."""

    tasks_total: int = 0
    tasks_done: int = 0
    checklist_total: int = 0
    checklist_done: int = 0
    minutes: int = 0
    # sum over tasks of their done share (1 for done tasks, checklist ratio otherwise)
    credit: Decimal = field(default_factory=Decimal)

    def add(self, task: dict[str, Any], minutes: int) -> None:
        self.tasks_total += 1
        self.checklist_total += task["checklist_total"]
        self.checklist_done += task["checklist_done"]
        self.minutes += minutes
        if task["status"] in DONE_STATUSES:
            self.tasks_done += 1
            self.credit += 1
        elif task["checklist_total"]:
            self.credit += Decimal(task["checklist_done"]) / task["checklist_total"]

    def merge(self, other: Tally) -> None:
        self.tasks_total += other.tasks_total
        self.tasks_done += other.tasks_done
        self.checklist_total += other.checklist_total
        self.checklist_done += other.checklist_done
        self.minutes += other.minutes
        self.credit += other.credit

    def percent(self) -> int:
        if not self.tasks_total:
            return 0
        ratio = self.credit * 100 / self.tasks_total
        return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def tallies(milestone_ids: Sequence[int]) -> dict[int, Tally]:
    """A tally per milestone id (every id present, empty when it has no tasks)."""
    out = {mid: Tally() for mid in milestone_ids}
    if not milestone_ids:
        return out
    tasks = await Task.select(
        Task.id, Task.milestone_id, Task.status, Task.checklist_total, Task.checklist_done
    ).where(Task.milestone_id.is_in(list(milestone_ids)))
    minutes: dict[int, int] = {}
    if tasks:
        rows = (
            await TimeEntry.select(TimeEntry.task, Sum(TimeEntry.minutes).as_alias("minutes"))
            .where(TimeEntry.task.is_in([t["id"] for t in tasks]))
            .group_by(TimeEntry.task)
        )
        minutes = {r["task"]: int(r["minutes"] or 0) for r in rows}
    for task in tasks:
        out[task["milestone_id"]].add(task, minutes.get(task["id"], 0))
    return out


def hours_text(minutes: int) -> str:
    """Minutes as hours with two decimals (``"1.25"``)."""
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _state(percent: int, complete: bool, cancelled: bool, due: date | None, today: date) -> str:
    if cancelled:
        return "cancelled"
    if complete:
        return "done"
    if due is not None and due < today:
        return "overdue"
    if due is not None and due <= today + timedelta(days=AT_RISK_DAYS) and percent < 80:
        return "at_risk"
    return "not_started" if percent == 0 else "on_track"


def progress(
    tally: Tally,
    *,
    complete: bool,
    due: date | None,
    today: date,
    budget_hours: str | None = None,
    cancelled: bool = False,
) -> Progress:
    """The progress block of a milestone or project, indicator included."""
    percent = 100 if complete else tally.percent()
    state = _state(percent, complete, cancelled, due, today)
    used: int | None = None
    over = False
    if budget_hours is not None and Decimal(budget_hours) > 0:
        logged = Decimal(tally.minutes) / 60
        used = int((logged * 100 / Decimal(budget_hours)).quantize(Decimal(1), ROUND_HALF_UP))
        over = logged > Decimal(budget_hours)
        if over and state == "on_track":
            state = "at_risk"
    label = f"{tally.tasks_done}/{tally.tasks_total} tasks, {percent}%"
    if state == "overdue":
        label += " - overdue"
    return Progress(
        tasks_total=tally.tasks_total,
        tasks_done=tally.tasks_done,
        checklist_total=tally.checklist_total,
        checklist_done=tally.checklist_done,
        hours_logged=hours_text(tally.minutes),
        budget_hours=budget_hours,
        budget_used_percent=used,
        over_budget=over,
        overdue=state == "overdue",
        percent=percent,
        indicator=Indicator(percent=percent, state=state, colour=COLOURS[state], label=label),  # type: ignore[arg-type]
    )


def combined(parts: Iterable[Tally]) -> Tally:
    """One tally summing ``parts`` (a project's milestones)."""
    total = Tally()
    for part in parts:
        total.merge(part)
    return total
