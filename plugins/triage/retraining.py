"""Retrain the category model from the base corpus plus category corrections; swap safely.

The new model is scored on the held-out split of the corpus, and so is the active model
(the same items), unless a ``baseline`` report is given. Only when
``training.is_not_worse(new, baseline)`` holds is the new model written under
``<home>/triage/models/`` and marked active in ``triage_model``; running hubs switch to it
at their next roster refresh. Every attempt is recorded, swapped or not.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from hub.db.engine import write_transaction
from plugins.triage import models_store
from plugins.triage.category_model import EvalReport
from plugins.triage.preprocess import preprocess
from plugins.triage.settings import TriageSettings
from plugins.triage.tables import TriageCorrection, TriageModel
from plugins.triage.training import evaluate, is_not_worse, read_corpus, split_corpus, train


class RetrainResult(msgspec.Struct, kw_only=True):
    """What a retrain did and the figures it decided on."""

    version: str
    swapped: bool
    path: str
    report: EvalReport
    baseline: EvalReport
    baseline_version: str
    n_corrections: int
    skipped_corrections: int
    corpus: str
    pinned: bool


async def category_corrections(classes: list[str]) -> tuple[list[tuple[str, str]], int]:
    """``(preprocessed text, category)`` of every category correction; and how many were skipped.

    A correction to a category the corpus does not know cannot be learnt from and is skipped.
    """
    rows = await TriageCorrection.select(
        TriageCorrection.title, TriageCorrection.description, TriageCorrection.corrected
    ).where(TriageCorrection.field == "category")
    known = set(classes)
    usable = [
        (preprocess(r["title"], r["description"]), r["corrected"])
        for r in rows
        if r["corrected"] in known
    ]
    return usable, len(rows) - len(usable)


def _score_on_split(
    model_path: Path, corpus: Path, seed: int, max_rows: int | None
) -> tuple[EvalReport, str]:
    model, _ = models_store.load_cached(model_path)
    texts, labels = read_corpus(corpus)
    _, test_x, _, test_y = split_corpus(texts, labels, seed, max_rows)
    return evaluate(model, test_x, test_y, split="active model on the same held-out split"), (
        model.version
    )


async def retrain(
    home: Path,
    settings: TriageSettings,
    corpus: Path,
    *,
    max_rows: int | None = None,
    seed: int = 42,
    baseline: EvalReport | None = None,
) -> RetrainResult:
    """Train, compare with the active model on the same held-out items, swap if not worse."""
    texts, labels = await asyncio.to_thread(read_corpus, corpus)
    extra, skipped = await category_corrections(sorted(set(labels)))
    del texts, labels
    version = "category-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    model, report = await asyncio.to_thread(
        train, corpus, extra, seed, max_rows=max_rows, version=version
    )
    active_path, _origin = await models_store.resolve(settings)
    if baseline is None:
        baseline, baseline_version = await asyncio.to_thread(
            _score_on_split, active_path, corpus, seed, max_rows
        )
    else:
        baseline_version = "(given)"
    swapped = is_not_worse(report, baseline)
    path = ""
    if swapped:
        target = models_store.models_dir(home) / f"{version}.npz"
        await asyncio.to_thread(model.save, target)
        path = str(target.resolve())
    async with write_transaction():
        if swapped:
            await TriageModel.update({TriageModel.active: False}).where(TriageModel.active.eq(True))
        await TriageModel.insert(
            TriageModel(
                version=version,
                path=path,
                active=swapped,
                swapped=swapped,
                corpus=str(corpus),
                max_rows=max_rows,
                n_corrections=len(extra),
                report=msgspec.to_builtins(report),
                baseline=msgspec.to_builtins(baseline),
            )
        )
    return RetrainResult(
        version=version,
        swapped=swapped,
        path=path,
        report=report,
        baseline=baseline,
        baseline_version=baseline_version,
        n_corrections=len(extra),
        skipped_corrections=skipped,
        corpus=str(corpus),
        pinned=bool(settings.model_path),
    )


def figures(
    report: EvalReport, other: EvalReport | None = None, names: tuple[str, str] = ("", "")
) -> str:
    """Macro-F1, accuracy and per-class P/R/F1 as text; with ``other``, side by side F1."""
    lines = [
        f"held-out items: {report.n_items}  ({report.split or 'split not recorded'})",
        f"{names[0] or 'model':<24} macro-F1 {report.macro_f1:.4f}  accuracy {report.accuracy:.4f}",
    ]
    if other is not None:
        lines.append(
            f"{names[1] or 'baseline':<24} macro-F1 {other.macro_f1:.4f}  "
            f"accuracy {other.accuracy:.4f}"
        )
    header = f"{'class':<22} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"
    if other is not None:
        header += f" {'old F1':>7}"
    lines += ["", header]
    for name, scores in sorted(report.per_class.items()):
        line = (
            f"{name:<22} {scores.precision:6.3f} {scores.recall:6.3f} {scores.f1:6.3f} "
            f"{scores.support:8d}"
        )
        if other is not None:
            old = other.per_class.get(name)
            line += f" {old.f1:7.3f}" if old else f" {'-':>7}"
        lines.append(line)
    return "\n".join(lines)
