"""``/api/v1/triage/review``, ``/api/v1/triage/model`` and ``/api/v1/triage/corrections``.

Corrections are not posted here: they are recorded from the normal task updates
(``PATCH /api/v1/tasks/{id}``) through the ``hub_task_event`` hook.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery

from hub.auth import ANY_ROLE, STAFF
from hub.db.tables import Task
from hub.errors import BadRequest, Unavailable
from hub.runtime import Hub
from plugins.triage.records import CORRECTED_FIELDS, TRIAGED_SOURCES
from plugins.triage.runtime import TriageRuntime
from plugins.triage.schemas import (
    Correction,
    CorrectionPage,
    ModelInfo,
    RetrainEntry,
    ReviewInboxItem,
    ReviewQueue,
    ReviewTask,
)
from plugins.triage.tables import TriageCorrection, TriageModel, TriageRecord, TriageReviewItem

MAX_LIMIT = 500
STATE_KEY = "triage.runtime"
CLOSED = ("resolved", "closed")


def runtime_of(hub: Hub) -> TriageRuntime:
    """The started triage runtime (503 while the plugin is not running)."""
    runtime: TriageRuntime | None = hub.state.get(STATE_KEY)
    if runtime is None or runtime.active is None:
        raise Unavailable("the triage plugin is not running")
    return runtime


def _page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise BadRequest(f"limit must be 1..{MAX_LIMIT} and offset >= 0", field="limit")


def _json(raw: Any, default: Any) -> Any:
    if isinstance(raw, str):
        return msgspec.json.decode(raw or "null") or default
    return raw if raw is not None else default


async def _review_tasks(limit: int) -> list[ReviewTask]:
    rows = (
        await TriageRecord.select(
            TriageRecord.all_columns(),
            TriageRecord.task.title.as_alias("task_title"),
            TriageRecord.task.status.as_alias("task_status"),
        )
        .where(
            TriageRecord.review.eq(True)
            & TriageRecord.reviewed_at.is_null()
            & TriageRecord.task.status.not_in(list(CLOSED))
        )
        .order_by(TriageRecord.created_at)
        .limit(limit)
    )
    return [
        ReviewTask(
            task_id=r["task"],
            title=r["task_title"],
            status=r["task_status"],
            source=r["source"],
            customer_id=r["customer_id"],
            category=r["category"],
            confidence=round(float(r["confidence"]), 4),
            priority=r["priority"],
            team=r["team"],
            reasons=_json(r["reasons"], []),
            model_version=r["model_version"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def _link_converted(rows: list[dict[str, Any]]) -> set[int]:
    """Ids of logged items that have since become tasks (matched on arrival time)."""
    times = [r["received_at"] for r in rows if r["received_at"] is not None]
    if not times:
        return set()
    tasks = await Task.select(Task.id, Task.arrived_at, Task.source).where(
        Task.arrived_at.is_in(times) & Task.source.is_in(list(TRIAGED_SOURCES))
    )
    by_time = {(t["arrived_at"], TRIAGED_SOURCES[t["source"]]): t["id"] for t in tasks}
    done: set[int] = set()
    for r in rows:
        task_id = by_time.get((r["received_at"], r["kind"]))
        if task_id is not None:
            await TriageReviewItem.update({TriageReviewItem.task_id: task_id}).where(
                TriageReviewItem.id == r["id"]
            )
            done.add(r["id"])
    return done


async def _review_items(runtime: TriageRuntime, limit: int) -> list[ReviewInboxItem]:
    await runtime.flush_review()
    since = datetime.now(UTC) - timedelta(days=runtime.settings.review_days)
    rows = (
        await TriageReviewItem.select()
        .where(TriageReviewItem.task_id.is_null() & (TriageReviewItem.created_at >= since))
        .order_by(TriageReviewItem.created_at)
        .limit(limit)
    )
    converted = await _link_converted(rows)
    return [
        ReviewInboxItem(
            id=r["id"],
            kind=r["kind"],
            sender=r["sender"],
            subject=r["subject"],
            customer_id=r["customer_id"],
            received_at=r["received_at"],
            confidence=round(float(r["confidence"]), 4),
            suggestion=_json(r["suggestion"], {}),
            model_version=r["model_version"],
            logged_at=r["created_at"],
        )
        for r in rows
        if r["id"] not in converted
    ]


class TriageController(Controller):
    path = "/triage"
    tags = ["triage"]

    @get("/review", operation_id="listTriageReview", guards=[STAFF])
    async def review(self, hub: NamedDependency[Hub], limit: FromQuery[int] = 100) -> ReviewQueue:
        """The review queue: unreviewed tasks and inbox items whose triage was below the
        threshold, oldest first, each with its suggestion and reasons."""
        _page(limit, 0)
        runtime = runtime_of(hub)
        return ReviewQueue(
            threshold=runtime.settings.review_threshold,
            tasks=await _review_tasks(limit),
            inbox_items=await _review_items(runtime, limit),
        )

    @get("/model", operation_id="getTriageModel", guards=[ANY_ROLE])
    async def model(self, hub: NamedDependency[Hub]) -> ModelInfo:
        """The category model in use: version, origin, training data, held-out figures, and
        the history of retrains."""
        runtime = runtime_of(hub)
        active = runtime.active
        assert active is not None
        meta = active.model.metadata
        rows = (
            await TriageModel.select().order_by(TriageModel.created_at, ascending=False).limit(20)
        )
        return ModelInfo(
            version=meta.version,
            origin=active.origin,
            path=active.path,
            loaded_at=active.loaded_at,
            load_ms=active.load_ms,
            created_at=meta.created_at,
            source=meta.source,
            licence=meta.licence,
            classes=meta.classes,
            n_train=meta.n_train,
            n_extra=meta.n_extra,
            views=meta.views,
            train_seconds=meta.train_seconds,
            heldout=meta.heldout,
            review_threshold=runtime.settings.review_threshold,
            retrains=[
                RetrainEntry(
                    version=r["version"],
                    swapped=r["swapped"],
                    active=r["active"],
                    n_corrections=r["n_corrections"],
                    max_rows=r["max_rows"],
                    macro_f1=float(_json(r["report"], {}).get("macro_f1", 0.0)),
                    baseline_macro_f1=float(_json(r["baseline"], {}).get("macro_f1", 0.0)),
                    created_at=r["created_at"],
                )
                for r in rows
            ],
        )

    @get("/corrections", operation_id="listTriageCorrections", guards=[STAFF])
    async def corrections(
        self,
        field: FromQuery[str | None] = None,
        task_id: FromQuery[int | None] = None,
        limit: FromQuery[int] = 50,
        offset: FromQuery[int] = 0,
    ) -> CorrectionPage:
        """Technicians' corrections of triage suggestions, newest first; filter by ``field``
        (category, priority, customer, team, technician) or ``task_id``."""
        _page(limit, offset)
        fields = sorted(set(CORRECTED_FIELDS.values()))
        if field is not None and field not in fields:
            raise BadRequest(f"field: expected one of {', '.join(fields)}", field="field")
        query = TriageCorrection.select()
        count = TriageCorrection.count()
        for clause in (
            TriageCorrection.field == field if field is not None else None,
            TriageCorrection.task_id == task_id if task_id is not None else None,
        ):
            if clause is not None:
                query = query.where(clause)
                count = count.where(clause)
        rows = (
            await query.order_by(TriageCorrection.at, ascending=False)
            .order_by(TriageCorrection.id, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        return CorrectionPage(
            items=[
                Correction(
                    id=r["id"],
                    task_id=r["task_id"],
                    field=r["field"],
                    suggested=r["suggested"],
                    corrected=r["corrected"],
                    title=r["title"],
                    actor=r["actor"],
                    channel=r["channel"],
                    model_version=r["model_version"],
                    at=r["at"],
                )
                for r in rows
            ],
            total=await count,
            limit=limit,
            offset=offset,
        )


ROUTES = [TriageController]
