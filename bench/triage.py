"""Benchmark the shipped category model against a TF-IDF + LinearSVC baseline.

Run by hand: ``python bench/triage.py``. Both models are scored on the fixed stratified 20 %
held-out split (random_state=42) of the IT service ticket corpus (env ``ATLAS_CORPORA``,
default ``../shared/corpora``); the baseline (word 1-2-gram TF-IDF + LinearSVC, default
settings) is trained in the same run.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from plugins.triage.category_model import CategoryModel, EvalReport  # noqa: E402
from plugins.triage.training import evaluate, read_corpus, report_for, split_corpus  # noqa: E402

CORPUS = (
    Path(os.environ.get("ATLAS_CORPORA", REPO.parent / "shared" / "corpora"))
    / "tickets"
    / "it-service-tickets"
    / "all_tickets_processed_improved_v3.csv"
)


def _row(name: str, report: EvalReport) -> str:
    return f"{name:<26} macro-F1 {report.macro_f1:.4f}  accuracy {report.accuracy:.4f}"


def main() -> None:
    """Print held-out figures, speed and load time for the shipped model and the baseline."""
    texts, labels = read_corpus(CORPUS)
    train_x, test_x, train_y, test_y = split_corpus(texts, labels, seed=42)
    classes = sorted(set(labels))

    started = time.perf_counter()
    model = CategoryModel.load()
    load_s = time.perf_counter() - started
    shipped = evaluate(model, test_x, test_y)

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2))
    baseline = LinearSVC().fit(vectorizer.fit_transform(train_x), train_y)
    base_train_s = time.perf_counter() - started
    base_report = report_for(test_y, list(baseline.predict(vectorizer.transform(test_x))), classes)

    # Per-item latency: one predict() call per ticket, as the intake path makes them.
    sample = test_x[:2000]
    started = time.perf_counter()
    for text in sample:
        model.predict(text)
    ours_ms = (time.perf_counter() - started) * 1000 / len(sample)
    started = time.perf_counter()
    for text in sample:
        baseline.predict(vectorizer.transform([text]))
    base_ms = (time.perf_counter() - started) * 1000 / len(sample)

    print(f"held-out items: {len(test_x)} (stratified 20 %, random_state=42)")
    print(_row(f"shipped {model.version}", shipped))
    print(_row("baseline tfidf+LinearSVC", base_report))
    print(f"macro-F1 gain: {shipped.macro_f1 - base_report.macro_f1:+.4f}")
    print()
    print(
        f"{'class':<22} {'ours P':>7} {'ours R':>7} {'ours F1':>7}   "
        f"{'base P':>7} {'base R':>7} {'base F1':>7} {'support':>7}"
    )
    for name in classes:
        o, b = shipped.per_class[name], base_report.per_class[name]
        print(
            f"{name:<22} {o.precision:7.3f} {o.recall:7.3f} {o.f1:7.3f}   "
            f"{b.precision:7.3f} {b.recall:7.3f} {b.f1:7.3f} {o.support:7d}"
        )
    print()
    print(f"shipped model load: {load_s * 1000:.0f} ms")
    print(f"shipped predict:  {ours_ms:.3f} ms/item  {1000 / ours_ms:,.0f} items/s (one core)")
    print(f"baseline predict: {base_ms:.3f} ms/item  {1000 / base_ms:,.0f} items/s (one core)")
    print(f"speed ratio (baseline ms / shipped ms): {base_ms / ours_ms:.2f}")
    print(f"baseline training time in this run: {base_train_s:.1f} s")


if __name__ == "__main__":
    main()
