"""The shipped category model: loads, predicts sensibly, explains itself."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.triage.category_model import CategoryModel, CategoryPrediction
from plugins.triage.features import TfidfFeatures, ngrams
from plugins.triage.preprocess import preprocess


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return CategoryModel.load()


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("My laptop screen is broken", "The laptop screen cracked, please repair.", "Hardware"),
        ("Password reset", "Please reset my password, account locked, cannot log in.", "Access"),
        (
            "Annual leave",
            "Please register my annual leave days and approve my time sheet.",
            "HR Support",
        ),
        ("New purchase PO", "Please raise a purchase order for a new monitor.", "Purchase"),
        ("Mailbox almost full", "My mailbox is almost full, please increase the quota.", "Storage"),
    ],
)
def test_predicts_real_looking_tickets(
    model: CategoryModel, subject: str, body: str, expected: str
) -> None:
    prediction = model.predict(preprocess(subject, body))
    assert prediction.category == expected
    assert 0.0 < prediction.confidence <= 1.0
    assert prediction.top_terms and all(isinstance(t, str) for t in prediction.top_terms)
    assert prediction.model_version == "category-v1"


def test_top_terms_come_from_the_text(model: CategoryModel) -> None:
    text = preprocess("laptop screen broken", "laptop screen broken")
    prediction = model.predict(text)
    assert set(prediction.top_terms) <= set(ngrams(text))
    assert "laptop" in prediction.top_terms


def test_empty_text_still_answers(model: CategoryModel) -> None:
    prediction = model.predict("")
    assert isinstance(prediction, CategoryPrediction)
    assert prediction.category in model.classes
    assert prediction.top_terms == []


def test_batch_and_single_agree(model: CategoryModel) -> None:
    texts = [preprocess("printer jam", "paper stuck"), preprocess("badge access", "card")]
    many = model.predict_many(texts)
    assert [p.category for p in many] == [model.predict(t).category for t in texts]
    proba = model.predict_proba(texts)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_metadata_names_source_and_heldout_figures(model: CategoryModel) -> None:
    meta = model.metadata
    assert meta.version == model.version == "category-v1"
    assert "CC0" in meta.licence
    assert len(meta.classes) == 8
    assert meta.heldout.n_items == 9568
    assert meta.heldout.macro_f1 > 0.866  # the TF-IDF + LinearSVC baseline's figure
    assert sum(c.support for c in meta.heldout.per_class.values()) == 9568


def test_features_match_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["printer jam floor", "printer toner printer", "access card floor badge"]
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(docs)
    ours = TfidfFeatures(dict(vec.vocabulary_), vec.idf_, max_n=2)
    query = ["printer printer jam badge unknownword"]
    assert np.allclose(ours.transform(query).toarray(), vec.transform(query).toarray())
