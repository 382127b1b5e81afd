"""Which category model is active, and loading it (once per file per process).

Resolution order: ``[triage] model_path`` pins a file; otherwise the active row of
``triage_model`` (written by ``atlas-hub triage retrain`` when a retrained model was not
worse) names a file under ``<home>/triage/models/``; otherwise the shipped model.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import msgspec

from hub.logs import get_logger
from plugins.triage.category_model import SHIPPED_MODEL, CategoryModel
from plugins.triage.settings import TriageSettings
from plugins.triage.tables import TriageModel

log = get_logger("plugins.triage.models")
Origin = Literal["shipped", "pinned", "retrained"]
# Loaded models by (path, mtime, size): a process that starts several hubs (tests,
# embedding applications) reads a file once.
_LOADED: dict[tuple[str, int, int], CategoryModel] = {}


class ActiveModel(msgspec.Struct, kw_only=True):
    """The model a process uses, where it came from and what loading it cost."""

    model: CategoryModel
    path: str
    origin: Origin
    loaded_at: datetime
    load_ms: float


def models_dir(home: Path) -> Path:
    """Where retrained models are written: ``<home>/triage/models``."""
    return home / "triage" / "models"


def load_cached(path: Path) -> tuple[CategoryModel, float]:
    """Load ``path`` (or reuse this process's copy of the same file); return it and ms spent."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    started = time.perf_counter()
    model = _LOADED.get(key)
    if model is None:
        model = CategoryModel.load(path)
        _LOADED[key] = model
    return model, round((time.perf_counter() - started) * 1000, 1)


async def active_row() -> dict[str, object] | None:
    """The ``triage_model`` row marked active, if any."""
    return await TriageModel.select().where(TriageModel.active.eq(True)).first()


async def resolve(settings: TriageSettings) -> tuple[Path, Origin]:
    """The model file to use now and why (see the module docstring)."""
    if settings.model_path:
        return Path(settings.model_path).expanduser(), "pinned"
    row = await active_row()
    if row is not None:
        path = Path(str(row["path"]))
        if path.is_file():
            return path, "retrained"
        log.error("triage_active_model_missing", version=row["version"], path=str(path))
    return SHIPPED_MODEL, "shipped"


def load_active(path: Path, origin: Origin) -> ActiveModel:
    """Load ``path`` into an :class:`ActiveModel` (blocking: call from a thread in async code)."""
    model, ms = load_cached(path)
    return ActiveModel(
        model=model, path=str(path), origin=origin, loaded_at=datetime.now(UTC), load_ms=ms
    )
