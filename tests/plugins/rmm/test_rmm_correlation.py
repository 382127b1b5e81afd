"""Correlation rules, and a 5,000-alert storm driven through the in-memory state."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from plugins.rmm.alerts import NormalizedAlert, SeverityRank, fingerprint_for
from plugins.rmm.correlation import (
    AlertRecord,
    CorrelationSettings,
    CorrelationState,
    MaintenanceWindow,
    TaskSnapshot,
    decide,
    priority_for,
)
from plugins.rmm.memory_state import InMemoryAlertState

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def make_alert(
    device: str,
    customer: str | None,
    name: str = "InstanceDown",
    status: str = "firing",
    rank: SeverityRank = "high",
) -> NormalizedAlert:
    return NormalizedAlert(
        source="sim",
        fingerprint=fingerprint_for("sim", {"device": device, "alertname": name}),
        status=status,  # type: ignore[arg-type]
        severity=rank,
        severity_rank=rank,
        title=f"{name} on {device}",
        starts_at=T0,
        device=device,
        customer_hint=customer,
        labels={"alertname": name},
    )


@pytest.mark.parametrize(
    ("rank", "floor", "expected"),
    [
        ("critical", None, "critical"),
        ("high", None, "high"),
        ("warning", None, "normal"),
        ("info", None, "low"),
        ("info", "normal", "normal"),
        ("warning", "high", "high"),
        ("critical", "normal", "critical"),
    ],
)
def test_priority_for_respects_tier_floor(rank: SeverityRank, floor, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert priority_for(make_alert("d", "c", rank=rank), floor) == expected


def test_new_alert_without_state_creates_task() -> None:
    decision = decide(make_alert("d1", "acme"), CorrelationState(), T0)
    assert (decision.action, decision.task_id, decision.flapping) == ("create_task", None, False)
    assert decision.new_occurrence


def test_resolve_waits_for_other_firing_alerts_on_the_task() -> None:
    state = InMemoryAlertState()
    down = make_alert("d1", "acme")
    cpu = make_alert("d1", "acme", name="HighCPU")
    state.handle(down, T0)
    assert state.handle(cpu, T0 + MINUTE).action == "attach_to_device_task"
    first = state.handle(make_alert("d1", "acme", status="resolved"), T0 + 2 * MINUTE)
    assert (first.action, first.reason) == (
        "note_only",
        "1 other alert(s) on the task still firing",
    )
    second = state.handle(
        make_alert("d1", "acme", name="HighCPU", status="resolved"), T0 + 3 * MINUTE
    )
    assert second.action == "resolve_task"
    assert state.tasks[second.task_id].status == "resolved"  # type: ignore[index]


def test_task_closed_by_technician_while_alert_still_fires_gets_a_new_task() -> None:
    state = InMemoryAlertState()
    alert = make_alert("d1", "acme")
    first = state.handle(alert, T0)
    state.close("T1")
    again = state.handle(alert, T0 + 60 * MINUTE)
    assert (first.action, again.action) == ("create_task", "create_task")
    assert state.alerts[alert.fingerprint].task_id == "T2"


def test_refire_after_reopen_window_creates_new_task() -> None:
    settings = CorrelationSettings(reopen_window=timedelta(hours=1))
    state = InMemoryAlertState(settings)
    alert = make_alert("d1", "acme")
    state.handle(alert, T0)
    state.handle(make_alert("d1", "acme", status="resolved"), T0 + MINUTE)
    assert state.handle(alert, T0 + 30 * MINUTE).action == "reopen_task"
    state.handle(make_alert("d1", "acme", status="resolved"), T0 + 31 * MINUTE)
    assert state.handle(alert, T0 + 200 * MINUTE).action == "create_task"


def test_suppressed_alert_still_firing_after_maintenance_gets_a_task() -> None:
    window = MaintenanceWindow(
        starts_at=T0, ends_at=T0 + 60 * MINUTE, customer_id="acme", title="Patch night"
    )
    state = InMemoryAlertState(maintenance=[window])
    alert = make_alert("d1", "acme")
    during = state.handle(alert, T0 + 10 * MINUTE)
    assert (during.action, during.maintenance_title) == ("suppress_maintenance", "Patch night")
    assert not during.new_occurrence
    assert state.handle(make_alert("d9", "globex"), T0 + 10 * MINUTE).action == "create_task"
    assert state.handle(alert, T0 + 61 * MINUTE).action == "create_task"


def test_alerts_without_customer_never_form_a_storm() -> None:
    state = InMemoryAlertState()
    actions = {state.handle(make_alert(f"d{i}", None), T0 + i * MINUTE).action for i in range(10)}
    assert actions == {"create_task"}


def test_resolve_for_unknown_alert_is_only_recorded() -> None:
    decision = decide(make_alert("d1", "acme", status="resolved"), CorrelationState(), T0)
    assert decision.action == "record_only"


def test_flapping_is_counted_from_recorded_state_changes() -> None:
    alert = make_alert("d1", "acme", status="resolved")
    existing = AlertRecord(
        fingerprint=alert.fingerprint,
        status="firing",
        task_id="T1",
        count=4,
        first_seen=T0,
        last_seen=T0,
        state_changes=(T0 - 90 * MINUTE, T0 - 20 * MINUTE, T0 - 10 * MINUTE, T0 - 5 * MINUTE),
    )
    task = TaskSnapshot(task_id="T1", status="open", device="d1", created_at=T0, last_alert_at=T0)
    decision = decide(alert, CorrelationState(existing=existing, existing_task=task), T0)
    assert decision.flapping  # three changes within the hour plus this one
    assert (decision.action, decision.task_id) == ("note_only", "T1")


# --- the storm ------------------------------------------------------------------------


def storm_events() -> list[tuple[datetime, str, NormalizedAlert | str]]:
    """5,000 alerts over 50 devices of acme (30), globex (15) and initech (5)."""
    events: list[tuple[datetime, str, NormalizedAlert | str]] = []

    def fire(at: datetime, alert: NormalizedAlert) -> None:
        events.append((at, "alert", alert))

    # acme: a network outage takes all 30 devices down within five minutes.
    acme = [make_alert(f"acme-{i:02d}", "acme") for i in range(30)]
    for i, alert in enumerate(acme):
        fire(T0 + i * timedelta(seconds=10), alert)
    # globex: one disk alert every 15 minutes, then CPU on the same device, repeating.
    for j in range(15):
        start = T0 + timedelta(hours=1) + j * 15 * MINUTE
        disk = make_alert(f"globex-{j:02d}", "globex", name="DiskSpaceLow", rank="warning")
        cpu = make_alert(f"globex-{j:02d}", "globex", name="HighCPU", rank="warning")
        fire(start, disk)
        fire(start + 5 * MINUTE, cpu)
        for minutes in (10, 15, 20):
            fire(start + minutes * MINUTE, disk)
            fire(start + minutes * MINUTE, cpu)
    # initech-0 flaps: down/up every few minutes.
    base = T0 + timedelta(hours=2)
    for minutes, status in [
        (0, "firing"),
        (2, "resolved"),
        (5, "firing"),
        (7, "resolved"),
        (10, "firing"),
        (12, "resolved"),
        (15, "firing"),
        (17, "resolved"),
    ]:
        fire(base + minutes * MINUTE, make_alert("initech-0", "initech", status=status))
    # initech-1/2 alert, repeat and recover inside their maintenance window.
    for device in ("initech-1", "initech-2"):
        for k in range(12):
            fire(base + 30 * MINUTE + k * 5 * MINUTE, make_alert(device, "initech"))
        fire(base + 90 * MINUTE, make_alert(device, "initech", status="resolved"))
    # initech-3 fails and recovers untouched; initech-4 is picked up by a technician.
    fire(T0 + timedelta(hours=5), make_alert("initech-3", "initech"))
    fire(T0 + timedelta(hours=5, minutes=30), make_alert("initech-3", "initech", status="resolved"))
    fire(T0 + timedelta(hours=6), make_alert("initech-4", "initech"))
    events.append((T0 + timedelta(hours=6, minutes=10), "touch", "initech-4"))
    fire(T0 + timedelta(hours=6, minutes=30), make_alert("initech-4", "initech", status="resolved"))

    # Alertmanager keeps re-sending acme's firing alerts every minute.
    alerts_so_far = sum(1 for _, kind, _ in events if kind == "alert")
    for k in range(5000 - alerts_so_far):
        fire(T0 + 5 * MINUTE + (k // 30) * MINUTE, acme[k % 30])
    return sorted(events, key=lambda e: e[0])  # stable: same-time events keep their order


MAINTENANCE = [
    MaintenanceWindow(
        starts_at=T0 + timedelta(hours=2),
        ends_at=T0 + timedelta(hours=4),
        customer_id="initech",
        device=device,
        title="Firmware upgrade",
    )
    for device in ("initech-1", "initech-2")
]


def test_storm_of_5000_alerts_yields_23_tasks() -> None:
    state = InMemoryAlertState(maintenance=MAINTENANCE)
    events = storm_events()
    assert sum(1 for _, kind, _ in events if kind == "alert") == 5000
    assert len({a.device for _, kind, a in events if kind == "alert"}) == 50  # type: ignore[union-attr]
    device_task: dict[str, str] = {}
    for at, kind, item in events:
        if kind == "touch":
            state.touch(device_task[item])  # type: ignore[index]
            continue
        decision = state.handle(item, at)  # type: ignore[arg-type]
        if decision.action == "create_task":
            device_task[item.device] = state.alerts[item.fingerprint].task_id  # type: ignore[union-attr]

    assert len(state.tasks) == 23  # acme 4 + storm parent, globex 15, initech 3
    assert state.actions == Counter(
        {
            "update_existing": 4903,
            "attach_to_storm_parent": 25,
            "suppress_maintenance": 24,
            "create_task": 22,
            "attach_to_device_task": 15,
            "resolve_task": 3,
            "note_only": 3,
            "reopen_task": 2,
            "record_only": 2,
            "create_storm_parent": 1,
        }
    )

    # acme: one parent, the four tasks opened before the storm was recognised under it.
    (parent_id,) = state.storm_parents.values()
    acme_tasks = [t for tid, t in state.tasks.items() if state.task_customer[tid] == "acme"]
    assert len(acme_tasks) == 5
    assert sorted(t.task_id for t in acme_tasks if t.parent_task_id == parent_id) == [
        "T1",
        "T2",
        "T3",
        "T4",
    ]
    assert len(state.task_alerts[parent_id]) == 26  # the 5th device onwards

    # initech: the flapping device kept one task, reopened twice and then held open.
    flapper = make_alert("initech-0", "initech")
    assert state.flapping == {flapper.fingerprint}
    flap_record = state.alerts[flapper.fingerprint]
    assert flap_record.count == 8
    assert state.tasks[flap_record.task_id].status == "open"  # type: ignore[index]
    # Maintenance: recorded, never a task.
    for device in ("initech-1", "initech-2"):
        record = state.alerts[make_alert(device, "initech").fingerprint]
        assert (record.task_id, record.count, record.status) == (None, 13, "resolved")
    # Untouched recovery resolved its task; the touched one stayed open with a note.
    assert state.tasks[device_task["initech-3"]].status == "resolved"
    assert state.tasks[device_task["initech-4"]].status == "open"
