"""train() on a subsample, corrections, save/load round trip, is_not_worse()."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.triage.category_model import CategoryModel, ClassScores, EvalReport
from plugins.triage.preprocess import preprocess
from plugins.triage.training import is_not_worse, save, train

ROWS = 4000


@pytest.fixture(scope="module")
def trained(tickets_csv: Path) -> tuple[CategoryModel, EvalReport]:
    return train(tickets_csv, max_rows=ROWS)


def test_train_scores_the_heldout_fifth(trained: tuple[CategoryModel, EvalReport]) -> None:
    model, report = trained
    assert report.n_items == ROWS // 5
    assert sum(c.support for c in report.per_class.values()) == ROWS // 5
    assert 0.6 < report.macro_f1 <= 1.0 and 0.6 < report.accuracy <= 1.0
    assert model.metadata.heldout == report
    assert model.metadata.n_train == ROWS - ROWS // 5


def test_save_and_load_round_trip(
    trained: tuple[CategoryModel, EvalReport], tmp_path: Path
) -> None:
    model, _ = trained
    path = tmp_path / "m.npz"
    save(model, path)
    loaded = CategoryModel.load(path)
    text = preprocess("laptop broken", "screen cracked")
    assert loaded.predict(text).category == model.predict(text).category
    assert loaded.metadata == model.metadata


def test_corrections_teach_a_new_phrase(tickets_csv: Path) -> None:
    phrase = "zorblat gizmo"
    extra = [(f"{phrase} please {i}", "Purchase") for i in range(20)]
    model, _ = train(tickets_csv, extra=extra, max_rows=2000)
    assert model.metadata.n_extra == 20
    assert model.predict(phrase).category == "Purchase"


def test_unknown_correction_category_rejected(tickets_csv: Path) -> None:
    with pytest.raises(ValueError, match="unknown categories"):
        train(tickets_csv, extra=[("x", "Plumbing")], max_rows=500)


def _report(macro: float, storage_f1: float, n: int = 100) -> EvalReport:
    return EvalReport(
        macro_f1=macro,
        accuracy=macro,
        n_items=n,
        per_class={"Storage": ClassScores(0.9, 0.9, storage_f1, 10)},
    )


def test_is_not_worse() -> None:
    old = _report(0.87, 0.90)
    assert is_not_worse(_report(0.87, 0.90), old)
    assert is_not_worse(_report(0.868, 0.89), old)  # within tolerance
    assert not is_not_worse(_report(0.86, 0.90), old)  # macro-F1 fell
    assert not is_not_worse(_report(0.90, 0.80), old)  # one class collapsed
    assert not is_not_worse(_report(0.90, 0.95, n=99), old)  # different held-out set
