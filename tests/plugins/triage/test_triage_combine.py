"""combine(): per field highest confidence wins, ties go to the earlier plugin."""

from __future__ import annotations

from plugins.triage.combine import FieldValue, Suggestion, combine


def test_highest_confidence_per_field_with_sources() -> None:
    out = combine(
        [
            ("model", Suggestion(category=FieldValue("Hardware", 0.8))),
            (
                "rules",
                Suggestion(category=FieldValue("Access", 0.6), priority=FieldValue("high", 0.7)),
            ),
            ("crm", Suggestion(customer=FieldValue("acme", 0.99))),
        ]
    )
    assert (out.category.value, out.category.plugin) == ("Hardware", "model")
    assert (out.priority.value, out.priority.plugin) == ("high", "rules")
    assert (out.customer.value, out.customer.plugin) == ("acme", "crm")
    assert out.queue is None
    assert [r.plugin for r in out.raw] == ["model", "rules", "crm"]
    assert out.raw[1].suggestion.category == FieldValue("Access", 0.6)


def test_tie_goes_to_first_plugin() -> None:
    a = ("first", Suggestion(queue=FieldValue("Desk", 0.5)))
    b = ("second", Suggestion(queue=FieldValue("Field", 0.5)))
    assert combine([a, b]).queue.plugin == "first"
    assert combine([b, a]).queue.plugin == "second"


def test_no_suggestions() -> None:
    out = combine([])
    assert out.category is None and out.raw == []
