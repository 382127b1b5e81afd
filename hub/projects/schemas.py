"""Projects and milestones at the API edge.

Amounts and hours are decimal *strings* (``"1250.00"``, ``"40.5"``) in both
directions, so no client or encoder ever turns money into a float.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from hub.schemas.common import Id, LongText, Name

ProjectStatus = Literal["planned", "active", "on_hold", "completed", "cancelled"]
BillingMode = Literal[
    "time_and_materials",  # project time bills at rates
    "fixed_fee_milestones",  # each completed milestone bills its fee; time is absorbed
    "fixed_fee_completion",  # the contract value bills when the project completes
    "retainer",  # time draws on the customer's block of hours / retainer agreement
]
Amount = Annotated[
    str, msgspec.Meta(pattern=r"^\d{1,12}(\.\d{1,4})?$", description="decimal string, e.g. 1250.00")
]


class ProjectIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    customer_id: Id
    name: Name
    description: LongText = ""
    status: ProjectStatus = "planned"
    billing_mode: BillingMode = "time_and_materials"
    budget_hours: Amount | None = None
    budget_amount: Amount | None = None
    #: fixed-fee projects: the price; milestone fees must add up to it
    contract_value: Amount | None = None
    starts_on: date | None = None
    due_on: date | None = None


class ProjectPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    description: LongText | UnsetType = UNSET
    status: ProjectStatus | UnsetType = UNSET
    billing_mode: BillingMode | UnsetType = UNSET
    budget_hours: Amount | UnsetType | None = UNSET
    budget_amount: Amount | UnsetType | None = UNSET
    contract_value: Amount | UnsetType | None = UNSET
    starts_on: date | UnsetType | None = UNSET
    due_on: date | UnsetType | None = UNSET
    #: with status "completed"; defaults to today
    completed_on: date | UnsetType | None = UNSET


class MilestoneIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    description: LongText = ""
    #: order within the project; defaults to after the last one
    position: int | None = None
    target_date: date | None = None
    fee: Amount | None = None


class MilestonePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | UnsetType = UNSET
    description: LongText | UnsetType = UNSET
    position: int | UnsetType = UNSET
    target_date: date | UnsetType | None = UNSET
    fee: Amount | UnsetType | None = UNSET
    #: true completes the milestone (today unless ``completed_on``); false reopens it
    completed: bool | UnsetType = UNSET
    completed_on: date | UnsetType | None = UNSET


class Indicator(msgspec.Struct, kw_only=True):
    """A completion bar ready to draw: fill ``percent`` in ``colour``, print ``label``."""

    percent: int
    state: Literal["not_started", "on_track", "at_risk", "overdue", "done", "cancelled"]
    colour: str
    label: str


class Progress(msgspec.Struct, kw_only=True):
    tasks_total: int
    tasks_done: int
    checklist_total: int
    checklist_done: int
    hours_logged: str
    budget_hours: str | None = None
    #: hours logged / budget hours x 100 (None without a budget)
    budget_used_percent: int | None = None
    over_budget: bool = False
    overdue: bool = False
    percent: int
    indicator: Indicator


class MilestoneOut(msgspec.Struct, kw_only=True):
    id: int
    project_id: int
    name: str
    description: str
    position: int
    target_date: date | None
    fee: str | None
    completed: bool
    completed_on: date | None
    invoice_id: int | None
    progress: Progress
    created_at: datetime
    updated_at: datetime


class FeeCheck(msgspec.Struct, kw_only=True):
    """Fixed fee per milestone: do the milestone fees add up to the contract value?"""

    contract_value: str | None
    fees_total: str
    difference: str | None
    milestones_without_fee: list[int]
    ok: bool


class ProjectOut(msgspec.Struct, kw_only=True):
    id: int
    customer_id: int
    name: str
    description: str
    status: ProjectStatus
    billing_mode: BillingMode
    budget_hours: str | None
    budget_amount: str | None
    contract_value: str | None
    starts_on: date | None
    due_on: date | None
    completed_on: date | None
    fee_invoice_id: int | None
    version: int
    progress: Progress
    fee_check: FeeCheck | None
    milestones: list[MilestoneOut]
    created_at: datetime
    updated_at: datetime


class MilestoneTask(msgspec.Struct, kw_only=True):
    id: int
    title: str
    status: str
    checklist_done: int
    checklist_total: int
    minutes_logged: int
