"""What the triage API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from plugins.triage.category_model import EvalReport


class ReviewTask(msgspec.Struct, kw_only=True):
    """A task whose triage fell below the threshold and nobody has reviewed yet."""

    task_id: int
    title: str
    status: str
    source: str
    customer_id: int | None
    category: str
    confidence: float
    priority: str
    team: str
    reasons: list[str]
    model_version: str
    created_at: datetime


class ReviewInboxItem(msgspec.Struct, kw_only=True):
    """An inbound item (not yet a task) below the threshold."""

    id: int
    kind: str
    sender: str
    subject: str
    customer_id: int | None
    received_at: datetime | None
    confidence: float
    suggestion: dict[str, Any]
    model_version: str
    logged_at: datetime


class ReviewQueue(msgspec.Struct, kw_only=True):
    threshold: float
    tasks: list[ReviewTask]
    inbox_items: list[ReviewInboxItem]


class RetrainEntry(msgspec.Struct, kw_only=True):
    """One ``atlas-hub triage retrain`` run."""

    version: str
    swapped: bool
    active: bool
    n_corrections: int
    max_rows: int | None
    macro_f1: float
    baseline_macro_f1: float
    created_at: datetime


class ModelInfo(msgspec.Struct, kw_only=True):
    """The model this process uses: version, training data and held-out figures."""

    version: str
    origin: str  # shipped | pinned | retrained
    path: str
    loaded_at: datetime
    load_ms: float
    created_at: str
    source: str
    licence: str
    classes: list[str]
    n_train: int
    n_extra: int
    views: list[str]
    train_seconds: float
    heldout: EvalReport
    review_threshold: float
    retrains: list[RetrainEntry]


class Correction(msgspec.Struct, kw_only=True):
    id: int
    task_id: int
    field: str
    suggested: str
    corrected: str
    title: str
    actor: str
    channel: str
    model_version: str
    at: datetime


class CorrectionPage(msgspec.Struct, kw_only=True):
    items: list[Correction]
    total: int
    limit: int
    offset: int
