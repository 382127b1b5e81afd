"""Combine the triage suggestions of several plugins into one.

Rule, per field (category, priority, queue, customer), independently:

1. Only suggestions that set the field take part.
2. The highest confidence wins.
3. Equal confidences: the plugin listed first in the input wins (the core passes plugins in
   its configured order, so the order in ``plugins.toml`` is the tie-break).

The result records which plugin supplied each field and keeps every raw suggestion, so a
technician can see what each plugin said and the audit trail can name the source.
"""

from __future__ import annotations

import msgspec

FIELDS: tuple[str, ...] = ("category", "priority", "queue", "customer")


class FieldValue(msgspec.Struct, frozen=True):
    """One suggested value with its confidence (0..1)."""

    value: str
    confidence: float


class Suggestion(msgspec.Struct, frozen=True):
    """What one plugin suggests; unset fields mean "no opinion"."""

    category: FieldValue | None = None
    priority: FieldValue | None = None
    queue: FieldValue | None = None
    customer: FieldValue | None = None
    reasons: list[str] = []


class ChosenField(msgspec.Struct, frozen=True):
    """The winning value of one field and the plugin that supplied it."""

    value: str
    confidence: float
    plugin: str


class RawSuggestion(msgspec.Struct, frozen=True):
    """One plugin's suggestion as received."""

    plugin: str
    suggestion: Suggestion


class CombinedSuggestion(msgspec.Struct, frozen=True):
    """The combined result: one chosen value per field (or None) plus all raw input."""

    category: ChosenField | None
    priority: ChosenField | None
    queue: ChosenField | None
    customer: ChosenField | None
    raw: list[RawSuggestion]


def combine(suggestions: list[tuple[str, Suggestion]]) -> CombinedSuggestion:
    """Merge ``(plugin_name, Suggestion)`` pairs, field by field (see the module docstring)."""
    chosen: dict[str, ChosenField | None] = {}
    for field in FIELDS:
        best: ChosenField | None = None
        for plugin, suggestion in suggestions:
            value: FieldValue | None = getattr(suggestion, field)
            # Strictly greater: an equal confidence later in the list never displaces.
            if value is not None and (best is None or value.confidence > best.confidence):
                best = ChosenField(value.value, value.confidence, plugin)
        chosen[field] = best
    return CombinedSuggestion(
        category=chosen["category"],
        priority=chosen["priority"],
        queue=chosen["queue"],
        customer=chosen["customer"],
        raw=[RawSuggestion(plugin, s) for plugin, s in suggestions],
    )
