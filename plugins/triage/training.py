"""Train, evaluate, save and compare category models.

Everything takes the corpus path as an argument so a CLI (``atlas-hub triage retrain|eval``)
can call it directly. The split is fixed: a stratified 20 % held out with ``random_state=seed``
(42 by default), the same split the shipped model's figures and the benchmark use.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.svm import LinearSVC

from plugins.triage.category_model import (
    MAX_WORDS,
    CategoryModel,
    ClassScores,
    EvalReport,
    LinearView,
    ModelMetadata,
)
from plugins.triage.features import TfidfFeatures

SOURCE = (
    "Kaggle 'IT Service Ticket Classification' (all_tickets_processed_improved_v3.csv, "
    "via Lunalykaya/IT-Service-Ticket-Classification @ 8603bdc4)"
)
LICENCE = "CC0 1.0 (public domain), per the dataset page"
TEST_SIZE = 0.2
# Human corrections are verified labels, so each counts as much as two corpus tickets.
EXTRA_WEIGHT = 2.0

# (name, head_words, max_n, min_df, SVM C): tuned on the training split's out-of-fold scores.
# A third view (single words) added ~0.001 macro-F1 for 2.5x the training time: left out.
VIEW_SPECS: tuple[tuple[str, int, int, int, float], ...] = (
    ("words-1-2", 0, 2, 2, 0.5),
    ("subject-1-2", 8, 2, 2, 0.3),
)
FOLDS = 5
TRAIN_THREADS = 2


def read_corpus(corpus_csv: Path) -> tuple[list[str], list[str]]:
    """Read ``(texts, labels)`` from the corpus CSV (columns ``Document``, ``Topic_group``)."""
    with open(corpus_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["Document"] for r in rows], [r["Topic_group"] for r in rows]


def split_corpus(
    texts: list[str], labels: list[str], seed: int = 42, max_rows: int | None = None
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Return ``(train_x, test_x, train_y, test_y)``: the fixed stratified 80/20 split.

    ``max_rows`` first draws a stratified subsample (for fast tests); ``None`` uses all rows.
    """
    if max_rows is not None and max_rows < len(texts):
        texts, _, labels, _ = train_test_split(
            texts, labels, train_size=max_rows, stratify=labels, random_state=seed
        )
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=TEST_SIZE, stratify=labels, random_state=seed
    )
    return train_x, test_x, train_y, test_y


def _head(text: str, words: int) -> str:
    # Same cut as LinearView.view_text, so training sees what prediction will read.
    return " ".join(text.split()[: words or MAX_WORDS])


def _fit_view(
    spec: tuple[str, int, int, int, float],
    texts: list[str],
    y: np.ndarray,
    weights: np.ndarray,
    seed: int,
) -> tuple[LinearView, np.ndarray]:
    """Fit one view; return it and its out-of-fold scores on ``texts``."""
    name, head_words, max_n, min_df, c = spec
    vectorizer = TfidfVectorizer(ngram_range=(1, max_n), sublinear_tf=True, min_df=min_df)
    matrix = vectorizer.fit_transform([_head(t, head_words) for t in texts])
    n_classes = int(y.max()) + 1
    oof = np.zeros((len(texts), n_classes))
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(matrix, y))
    everything = np.arange(len(texts))

    def fit(rows: np.ndarray) -> LinearSVC:
        return LinearSVC(C=c, random_state=seed).fit(
            matrix[rows], y[rows], sample_weight=weights[rows]
        )

    # liblinear releases the GIL, so threads use both cores; each fit is seeded, so the
    # result does not depend on scheduling.
    with ThreadPoolExecutor(max_workers=TRAIN_THREADS) as pool:
        fitted = list(pool.map(fit, [f for f, _ in folds] + [everything]))
    for (_, held_idx), fold_svm in zip(folds, fitted, strict=False):
        oof[held_idx] = fold_svm.decision_function(matrix[held_idx])
    svm = fitted[-1]
    features = TfidfFeatures(
        {term: int(col) for term, col in vectorizer.vocabulary_.items()},
        vectorizer.idf_,
        max_n=max_n,
    )
    view = LinearView(
        name=name,
        features=features,
        head_words=head_words,
        coef=svm.coef_.astype(np.float32),
        intercept=svm.intercept_.astype(np.float64),
    )
    return view, oof


def evaluate(
    model: CategoryModel, texts: Sequence[str], labels: Sequence[str], split: str = ""
) -> EvalReport:
    """Score ``model`` on labelled texts: macro-F1, accuracy, per-class P/R/F1 and support."""
    proba = model.predict_proba(list(texts))
    predicted = [model.classes[i] for i in proba.argmax(axis=1)]
    return report_for(list(labels), predicted, model.classes, split)


def report_for(
    truth: list[str], predicted: list[str], classes: list[str], split: str = ""
) -> EvalReport:
    """Build an :class:`EvalReport` from true and predicted labels."""
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=classes, zero_division=0)
    return EvalReport(
        macro_f1=round(float(f1_score(truth, predicted, labels=classes, average="macro")), 4),
        accuracy=round(float(accuracy_score(truth, predicted)), 4),
        n_items=len(truth),
        per_class={
            c: ClassScores(
                precision=round(float(p[i]), 4),
                recall=round(float(r[i]), 4),
                f1=round(float(f[i]), 4),
                support=int(s[i]),
            )
            for i, c in enumerate(classes)
        },
        split=split,
    )


def train(
    corpus_csv: Path,
    extra: list[tuple[str, str]] | None = None,
    seed: int = 42,
    *,
    max_rows: int | None = None,
    version: str = "category-v1",
) -> tuple[CategoryModel, EvalReport]:
    """Train on the 80 % split plus ``extra`` (text, category) corrections; score the 20 %.

    ``extra`` texts should already be preprocessed (``preprocess.preprocess``); their
    categories must be among the corpus's. Corrections only ever join the training side, so
    the held-out figures stay comparable across retrains. ``max_rows`` trains on a
    stratified subsample (tests use it to stay fast).
    """
    started = time.perf_counter()
    texts, labels = read_corpus(Path(corpus_csv))
    train_x, test_x, train_y, test_y = split_corpus(texts, labels, seed, max_rows)
    classes = sorted(set(labels))
    extra = list(extra or [])
    unknown = {c for _, c in extra} - set(classes)
    if unknown:
        raise ValueError(f"unknown categories in corrections: {sorted(unknown)}")
    fit_x = train_x + [t for t, _ in extra]
    y = np.array([classes.index(c) for c in train_y + [c for _, c in extra]])
    weights = np.concatenate([np.ones(len(train_x)), np.full(len(extra), EXTRA_WEIGHT)])

    views, oofs = [], []
    for spec in VIEW_SPECS:
        view, oof = _fit_view(spec, fit_x, y, weights, seed)
        views.append(view)
        oofs.append(oof)
    stacked = np.hstack(oofs)
    mean = stacked.mean(axis=0)
    scale = stacked.std(axis=0) + 1e-9
    meta = LogisticRegression(C=1.0, max_iter=2000)
    meta.fit((stacked - mean) / scale, y, sample_weight=weights)

    split = f"stratified {TEST_SIZE:.0%} held out, random_state={seed}" + (
        f", subsample of {max_rows} rows" if max_rows else ""
    )
    placeholder = EvalReport(macro_f1=0.0, accuracy=0.0, n_items=0, per_class={}, split=split)
    model = CategoryModel(
        classes=classes,
        views=views,
        meta_mean=mean,
        meta_scale=scale,
        meta_coef=meta.coef_,
        meta_intercept=meta.intercept_,
        metadata=_metadata(version, classes, len(train_x), len(extra), placeholder, 0.0),
    )
    report = evaluate(model, test_x, test_y, split)
    model.metadata = _metadata(
        version, classes, len(train_x), len(extra), report, time.perf_counter() - started
    )
    return model, report


def _metadata(
    version: str,
    classes: list[str],
    n_train: int,
    n_extra: int,
    report: EvalReport,
    seconds: float,
) -> ModelMetadata:
    return ModelMetadata(
        version=version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=SOURCE,
        licence=LICENCE,
        classes=classes,
        n_train=n_train,
        n_extra=n_extra,
        heldout=report,
        train_seconds=round(seconds, 1),
        views=[spec[0] for spec in VIEW_SPECS],
    )


def save(model: CategoryModel, path: Path) -> None:
    """Write ``model`` to ``path`` (``.npz``; see ``CategoryModel.save``)."""
    model.save(path)


def is_not_worse(
    new: EvalReport,
    old: EvalReport,
    tolerance: float = 0.005,
    max_class_drop: float = 0.05,
) -> bool:
    """Decide whether a retrained model may replace the current one.

    True when the new model's macro-F1 is at most ``tolerance`` below the old one's and no
    category present in both reports lost more than ``max_class_drop`` F1 (so a retrain
    cannot trade a small category away for a gain on a large one). Reports must come from
    the same held-out split to be comparable; differing item counts return False.
    """
    if new.n_items != old.n_items:
        return False
    if new.macro_f1 < old.macro_f1 - tolerance:
        return False
    for name, old_scores in old.per_class.items():
        new_scores = new.per_class.get(name)
        if new_scores is None or new_scores.f1 < old_scores.f1 - max_class_drop:
            return False
    return True
