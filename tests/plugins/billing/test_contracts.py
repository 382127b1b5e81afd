"""The contract order: project, covering agreement / block of hours, then T&M."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from plugins.billing.contracts import (
    ContractAllocator,
    allocate_time,
    check_milestone_fees,
)
from plugins.billing.model import AgreementRow, MilestoneRow, ProjectRow

from .builders import make_entry

D = Decimal


def project(mode: str, **changes: object) -> ProjectRow:
    fields: dict[str, object] = {
        "id": "p1",
        "customer_id": "c1",
        "name": "Migration",
        "billing_mode": mode,
    }
    fields.update(changes)
    return ProjectRow(**fields)  # type: ignore[arg-type]


def block(block_id: str, hours: str, **changes: object) -> AgreementRow:
    fields: dict[str, object] = {
        "id": block_id,
        "customer_id": "c1",
        "name": f"Block {block_id}",
        "kind": "block_hours",
        "starts_on": date(2024, 1, 1),
        "hours_total": D(hours),
    }
    fields.update(changes)
    return AgreementRow(**fields)  # type: ignore[arg-type]


def retainer(**changes: object) -> AgreementRow:
    fields: dict[str, object] = {
        "id": "r1",
        "customer_id": "c1",
        "name": "Managed services",
        "kind": "retainer",
        "starts_on": date(2024, 1, 1),
        "work_types": ("remote",),
        "recurring_fee": D("500.00"),
    }
    fields.update(changes)
    return AgreementRow(**fields)  # type: ignore[arg-type]


def kinds(
    allocator: ContractAllocator, entry_changes: dict, minutes: int = 60, billable: bool = True
) -> list[tuple[str, str | None, Decimal]]:
    entry = make_entry("e1", **entry_changes)
    return [
        (p.kind, p.contract_id, p.minutes) for p in allocator.allocate(entry, minutes, billable)
    ]


def test_time_and_materials_project_bills_its_time() -> None:
    allocator = ContractAllocator({"p1": project("time_and_materials")}, [retainer()])
    assert kinds(allocator, {"project_id": "p1"}) == [("project_time_and_materials", "p1", 60)]


def test_fixed_fee_projects_absorb_time_even_with_a_covering_retainer() -> None:
    for mode in ("fixed_fee_milestones", "fixed_fee_completion"):
        allocator = ContractAllocator({"p1": project(mode)}, [retainer(), block("b1", "10")])
        assert kinds(allocator, {"project_id": "p1"}) == [("project_fixed_fee", "p1", 60)]
        assert allocator.block_hours_drawn == {}


def test_completed_project_takes_only_time_worked_while_it_ran() -> None:
    done = project("fixed_fee_completion", status="completed", completed_on=date(2024, 5, 10))
    allocator = ContractAllocator({"p1": done}, [])
    assert kinds(allocator, {"project_id": "p1", "work_date": date(2024, 5, 10)}) == [
        ("project_fixed_fee", "p1", 60)
    ]
    assert kinds(allocator, {"project_id": "p1", "work_date": date(2024, 5, 11)}) == [
        ("time_and_materials", None, 60)
    ]


def test_projects_that_do_not_cover_time_fall_through_to_agreements() -> None:
    projects = {
        "p1": project("fixed_fee_milestones", status="cancelled"),
        "p2": project("none", id="p2"),
        "p3": project("time_and_materials", id="p3", status="planned"),
    }
    allocator = ContractAllocator(projects, [retainer()])
    for project_id in projects:
        assert kinds(allocator, {"project_id": project_id}) == [("retainer", "r1", 60)]


def test_retainer_covers_only_its_work_types_dates_and_customer() -> None:
    agreement = retainer(starts_on=date(2024, 5, 1), ends_on=date(2024, 5, 31))
    allocator = ContractAllocator({}, [agreement])
    assert kinds(allocator, {}) == [("retainer", "r1", 60)]
    assert kinds(allocator, {"work_type": "onsite"}) == [("time_and_materials", None, 60)]
    assert kinds(allocator, {"work_date": date(2024, 6, 1)}) == [("time_and_materials", None, 60)]
    assert kinds(allocator, {"work_date": date(2024, 4, 30)}) == [("time_and_materials", None, 60)]
    assert kinds(allocator, {"customer_id": "c2"}) == [("time_and_materials", None, 60)]
    suspended = ContractAllocator({}, [retainer(status="suspended")])
    assert kinds(suspended, {}) == [("time_and_materials", None, 60)]


def test_block_draws_down_and_splits_the_entry_that_exhausts_it() -> None:
    allocator = ContractAllocator({}, [block("b1", "2", hours_used=D("0.5"))])
    assert kinds(allocator, {}, minutes=60) == [("block_hours", "b1", 60)]
    # 30 minutes left on the block; the remainder falls to T&M
    assert kinds(allocator, {}, minutes=45) == [
        ("block_hours", "b1", 30),
        ("time_and_materials", None, 15),
    ]
    assert kinds(allocator, {}, minutes=30) == [("time_and_materials", None, 30)]
    assert allocator.block_hours_drawn == {"b1": D("1.5")}


def test_split_remainder_goes_to_the_next_block_soonest_expiring_first() -> None:
    open_ended = block("b-open", "5")
    expiring = block("b-june", "0.25", ends_on=date(2024, 6, 30))
    expired = block("b-old", "10", ends_on=date(2024, 4, 30))
    allocator = ContractAllocator({}, [open_ended, expiring, expired])
    assert kinds(allocator, {}, minutes=60) == [
        ("block_hours", "b-june", 15),
        ("block_hours", "b-open", 45),
    ]
    assert allocator.block_hours_drawn == {"b-june": D("0.25"), "b-open": D("0.75")}


def test_retainer_comes_before_blocks_and_non_billable_time_draws_nothing() -> None:
    allocator = ContractAllocator({}, [block("b1", "10"), retainer()])
    assert kinds(allocator, {}) == [("retainer", "r1", 60)]
    assert kinds(allocator, {"work_type": "onsite"}) == [("block_hours", "b1", 60)]
    assert kinds(allocator, {"work_type": "onsite"}, billable=False) == [("non_billable", None, 60)]
    assert allocator.block_hours_drawn == {"b1": D(1)}


def test_block_with_work_types_and_fractional_balance() -> None:
    agreement = block("b1", "0.3333", work_types=("onsite",))
    allocator = ContractAllocator({}, [agreement])
    assert kinds(allocator, {}) == [("time_and_materials", None, 60)]
    portions = kinds(allocator, {"work_type": "onsite"}, minutes=30)
    assert portions == [
        ("block_hours", "b1", D("19.9980")),
        ("time_and_materials", None, D("10.0020")),
    ]
    assert sum(p[2] for p in portions) == 30


def test_allocate_time_draws_blocks_in_chronological_order() -> None:
    late = make_entry("a-late", work_date=date(2024, 5, 20), minutes=60)
    early = make_entry("z-early", work_date=date(2024, 5, 2), minutes=90)
    allocation = allocate_time(
        [late, early],
        projects={},
        agreements=[block("b1", "2")],
        billed_minutes=lambda e: e.minutes,
        is_billable=lambda e: True,
    )
    assert [(p.entry_id, p.kind, p.minutes) for p in allocation.portions] == [
        ("z-early", "block_hours", 90),
        ("a-late", "block_hours", 30),
        ("a-late", "time_and_materials", 30),
    ]
    assert allocation.block_hours_drawn == {"b1": D(2)}
    assert [p.billed for p in allocation.portions] == [False, False, True]


def test_milestone_fees_must_add_up_to_the_contract_value() -> None:
    fixed = project("fixed_fee_milestones", contract_value=D("10000.00"))
    milestones = [
        MilestoneRow(id="m1", project_id="p1", name="Design", fee=D("3000.00")),
        MilestoneRow(id="m2", project_id="p1", name="Build", fee=D("6000.00")),
        MilestoneRow(id="mx", project_id="p9", name="Other project", fee=D("999.00")),
    ]
    check = check_milestone_fees(fixed, milestones)
    assert (check.ok, check.fees_total, check.difference) == (False, D("9000.00"), D("1000.00"))

    complete = [
        *milestones,
        MilestoneRow(id="m3", project_id="p1", name="Go-live", fee=D("1000.00")),
    ]
    check = check_milestone_fees(fixed, complete)
    assert (check.ok, check.difference) == (True, D(0))

    over = [*complete, MilestoneRow(id="m4", project_id="p1", name="Extra", fee=D("1.00"))]
    assert check_milestone_fees(fixed, over).difference == D("-1.00")

    missing = [*complete, MilestoneRow(id="m5", project_id="p1", name="TBD")]
    check = check_milestone_fees(fixed, missing)
    assert (check.ok, check.missing_fee_milestone_ids) == (False, ("m5",))
    assert check_milestone_fees(project("fixed_fee_milestones"), complete).ok is False
