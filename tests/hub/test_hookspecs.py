"""The hookspecs module is the vendor contract: every hook is documented and exercised."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from hub import hookspecs

REPO = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name
    for name, obj in vars(hookspecs).items()
    if name.startswith("hub_") and inspect.isfunction(obj)
)


def test_design_hooks_exist() -> None:
    expected = {
        "hub_routes",
        "hub_startup",
        "hub_shutdown",
        "hub_intake_subjects",
        "hub_triage",
        "hub_sla_policy",
        "hub_sla_event",
        "hub_billing_sinks",
        "hub_alert_adapters",
        "hub_calendar_events",
        "hub_task_event",
    }
    assert expected <= set(HOOKS)


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented_for_vendors(name: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert len(doc) > 200, f"{name}: document when it is called, args and return"
    assert "Example::" in doc, f"{name}: needs a runnable example"
    assert re.search(r"(?i)sync only|may be ``async``|async", doc), f"{name}: say if async is ok"
    params = list(inspect.signature(getattr(hookspecs, name)).parameters)
    example = doc.split("Example::", 1)[1]
    assert f"def {name}(" in example, f"{name}: the example implements the hook"
    for param in params:
        assert param in doc, f"{name}: argument {param!r} is not described"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_exercised_by_a_test(name: str) -> None:
    """A test implements or calls the hook, or the built-in implementing it has tests."""
    tests = list((REPO / "tests").rglob("test_*.py"))
    if any(name in p.read_text() for p in tests):
        return
    implementers = {
        p.parent.name for p in (REPO / "plugins").rglob("*.py") if f"def {name}(" in p.read_text()
    }
    tested = {p.parent.name for p in tests} & implementers
    assert tested, f"{name}: neither a test nor a tested built-in plugin exercises it"
