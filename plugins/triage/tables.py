"""The triage plugin's tables: per-task suggestions, corrections, counters, models, review log."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Real,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hub.db.tables import Task


class TriageRecord(Table, tablename="triage_record"):
    """What triage suggested for a task when it was created (one row per task)."""

    task = ForeignKey(references=Task, unique=True, on_delete=OnDelete.cascade)
    source = Varchar(length=64, default="")
    title = Text(default="")
    description = Text(default="")
    customer_id = Integer(null=True, default=None)
    category = Varchar(length=64, default="")
    priority = Varchar(length=16, default="")
    team = Varchar(length=120, default="")
    technician_id = Integer(null=True, default=None)
    confidence = Real(default=0.0)
    review = Boolean(default=False, index=True)
    reviewed_at = Timestamptz(null=True, default=None)
    reasons = JSON(default="[]")
    suggestion = JSON(default="{}")
    model_version = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class TriageCorrection(Table, tablename="triage_correction"):
    """A technician's change that differs from the stored suggestion (latest per task+field)."""

    key = Varchar(length=100, unique=True)  # "<task id>:<field>"
    task_id = Integer(index=True)
    field = Varchar(length=32, index=True)  # category | priority | customer | team | technician
    suggested = Varchar(length=200, default="")
    corrected = Varchar(length=200, default="")
    title = Text(default="")
    description = Text(default="")
    actor = Varchar(length=200, default="")
    channel = Varchar(length=32, default="")
    model_version = Varchar(length=64, default="")
    at = Timestamptz(default=TimestamptzNow(), index=True)


class TriageCounter(Table, tablename="triage_counter"):
    """Round-robin position per team, shared by every hub process."""

    team = Varchar(length=120, unique=True)
    counter = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())


class TriageModel(Table, tablename="triage_model"):
    """Every retrain and its outcome; at most one row is ``active``."""

    version = Varchar(length=64, unique=True)
    path = Text(default="")
    active = Boolean(default=False, index=True)
    swapped = Boolean(default=False)
    corpus = Text(default="")
    max_rows = Integer(null=True, default=None)
    n_corrections = Integer(default=0)
    report = JSON(default="{}")
    baseline = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class TriageReviewItem(Table, tablename="triage_review_item"):
    """An inbound item (not yet a task) whose triage fell below the review threshold."""

    key = Varchar(length=64, unique=True)
    kind = Varchar(length=16, default="")
    sender = Varchar(length=320, default="")
    subject = Text(default="")
    customer_id = Integer(null=True, default=None)
    received_at = Timestamptz(null=True, default=None, index=True)
    confidence = Real(default=0.0)
    suggestion = JSON(default="{}")
    model_version = Varchar(length=64, default="")
    task_id = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


TABLES: list[type[Table]] = [
    TriageRecord,
    TriageCorrection,
    TriageCounter,
    TriageModel,
    TriageReviewItem,
]
