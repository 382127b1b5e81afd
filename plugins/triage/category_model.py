"""The ticket category classifier: a small stack of linear models stored as plain arrays.

Two linear SVMs each read the ticket through a different TF-IDF view (word 1-2-grams of the
whole text; word 1-2-grams of its first eight words, which are mostly the subject). A
multinomial logistic regression, trained on the SVMs' out-of-fold scores, combines them; its
softmax output is the (calibrated-ish) confidence. Everything is stored
in one ``.npz`` file of arrays and a JSON metadata string, loaded with ``allow_pickle=False``
so a model file cannot carry code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from plugins.triage.features import TfidfFeatures

SHIPPED_MODEL = Path(__file__).parent / "model" / "category-v1.npz"
TOP_TERMS = 5
# Only the first words are read: on the held-out split, macro-F1 is the same at 150 words as
# at full length (0.8705), while the longest tickets (~1,000 words, reply chains) would
# otherwise cost ~5 ms each instead of ~1 ms.
MAX_WORDS = 200


class ClassScores(msgspec.Struct, frozen=True):
    """Held-out scores of one category."""

    precision: float
    recall: float
    f1: float
    support: int


class EvalReport(msgspec.Struct, frozen=True):
    """How a model did on a held-out set."""

    macro_f1: float
    accuracy: float
    n_items: int
    per_class: dict[str, ClassScores]
    split: str = ""


class ModelMetadata(msgspec.Struct, frozen=True):
    """What a model was trained on and how it scored."""

    version: str
    created_at: str
    source: str
    licence: str
    classes: list[str]
    n_train: int
    n_extra: int
    heldout: EvalReport
    train_seconds: float
    views: list[str]


class CategoryPrediction(msgspec.Struct, frozen=True):
    """A category suggestion for one ticket text."""

    category: str
    confidence: float
    top_terms: list[str]
    model_version: str


@dataclass(frozen=True)
class LinearView:
    """One TF-IDF view of the text and the linear SVM scores computed from it."""

    name: str
    features: TfidfFeatures
    head_words: int  # 0 = whole text; else only the first N words (the subject, mostly)
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray  # (n_classes,)

    def view_text(self, text: str) -> str:
        """The part of ``text`` this view reads."""
        return " ".join(text.split()[: self.head_words or MAX_WORDS])

    def scores_one(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(scores, columns, values)`` for one text."""
        cols, vals = self.features.transform_one(self.view_text(text))
        scores = self.coef[:, cols].astype(np.float64) @ vals + self.intercept
        return scores, cols, vals

    def scores(self, texts: list[str]) -> np.ndarray:
        """Return the ``(len(texts), n_classes)`` score matrix."""
        matrix = self.features.transform([self.view_text(t) for t in texts])
        return np.asarray(matrix @ self.coef.T.astype(np.float64)) + self.intercept


class CategoryModel:
    """A trained category classifier; build with :meth:`load` or ``training.train``."""

    def __init__(
        self,
        classes: list[str],
        views: list[LinearView],
        meta_mean: np.ndarray,
        meta_scale: np.ndarray,
        meta_coef: np.ndarray,
        meta_intercept: np.ndarray,
        metadata: ModelMetadata,
    ) -> None:
        self.classes = list(classes)
        self.views = views
        self.meta_mean = meta_mean
        self.meta_scale = meta_scale
        self.meta_coef = meta_coef
        self.meta_intercept = meta_intercept
        self.metadata = metadata

    @property
    def version(self) -> str:
        """The model's version string, e.g. ``category-v1``."""
        return self.metadata.version

    @classmethod
    def load(cls, path: Path | str | None = None) -> CategoryModel:
        """Load a model file; ``None`` loads the model shipped in this package."""
        target = Path(path) if path is not None else SHIPPED_MODEL
        with np.load(target, allow_pickle=False) as data:
            metadata = msgspec.json.decode(str(data["metadata"]), type=ModelMetadata)
            layout = json.loads(str(data["layout"]))
            views = []
            for i, spec in enumerate(layout["views"]):
                terms = str(data[f"v{i}_terms"]).split("\n")
                features = TfidfFeatures(
                    dict(zip(terms, range(len(terms)), strict=True)),
                    data[f"v{i}_idf"],
                    max_n=spec["max_n"],
                )
                views.append(
                    LinearView(
                        name=spec["name"],
                        features=features,
                        head_words=spec["head_words"],
                        coef=data[f"v{i}_coef"],
                        intercept=data[f"v{i}_intercept"].astype(np.float64),
                    )
                )
            return cls(
                classes=layout["classes"],
                views=views,
                meta_mean=data["meta_mean"],
                meta_scale=data["meta_scale"],
                meta_coef=data["meta_coef"],
                meta_intercept=data["meta_intercept"],
                metadata=metadata,
            )

    def save(self, path: Path | str) -> None:
        """Write the model as one compressed ``.npz`` of arrays (no pickled objects)."""
        layout = {
            "classes": self.classes,
            "views": [
                {"name": v.name, "head_words": v.head_words, "max_n": v.features.max_n}
                for v in self.views
            ],
        }
        arrays: dict[str, np.ndarray] = {
            "metadata": np.array(msgspec.json.encode(self.metadata).decode()),
            "layout": np.array(json.dumps(layout)),
            "meta_mean": self.meta_mean,
            "meta_scale": self.meta_scale,
            "meta_coef": self.meta_coef,
            "meta_intercept": self.meta_intercept,
        }
        for i, view in enumerate(self.views):
            arrays[f"v{i}_terms"] = np.array("\n".join(view.features.terms))
            arrays[f"v{i}_idf"] = view.features.idf.astype(np.float32)
            # float16 halves the file; scores change by ~1e-3, predictions do not move.
            arrays[f"v{i}_coef"] = view.coef.astype(np.float16)
            arrays[f"v{i}_intercept"] = view.intercept.astype(np.float32)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    def _combine(self, stacked: np.ndarray) -> np.ndarray:
        """Meta-model: standardised view scores -> class probabilities (rows sum to 1)."""
        z = (stacked - self.meta_mean) / self.meta_scale
        logits = z @ self.meta_coef.T + self.meta_intercept
        logits -= logits.max(axis=-1, keepdims=True)
        expo = np.exp(logits)
        return expo / expo.sum(axis=-1, keepdims=True)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Return class probabilities, ``(len(texts), len(classes))``, columns in ``classes``."""
        stacked = np.hstack([view.scores(texts) for view in self.views])
        return self._combine(stacked)

    def predict(self, text: str) -> CategoryPrediction:
        """Suggest a category for one preprocessed ticket text (see ``preprocess``)."""
        parts = [view.scores_one(text) for view in self.views]
        proba = self._combine(np.concatenate([p[0] for p in parts]))
        best = int(proba.argmax())
        return CategoryPrediction(
            category=self.classes[best],
            confidence=round(float(proba[best]), 4),
            top_terms=self._top_terms(best, parts[0][1], parts[0][2]),
            model_version=self.version,
        )

    def predict_many(self, texts: list[str]) -> list[CategoryPrediction]:
        """Suggest categories for many texts at once (faster per item than :meth:`predict`)."""
        proba = self.predict_proba(texts)
        first = self.views[0]
        out = []
        for text, row in zip(texts, proba, strict=True):
            best = int(row.argmax())
            cols, vals = first.features.transform_one(first.view_text(text))
            out.append(
                CategoryPrediction(
                    category=self.classes[best],
                    confidence=round(float(row[best]), 4),
                    top_terms=self._top_terms(best, cols, vals),
                    model_version=self.version,
                )
            )
        return out

    def _top_terms(self, cls_index: int, cols: np.ndarray, vals: np.ndarray) -> list[str]:
        """Terms of the main view that pushed hardest towards the chosen class."""
        if len(cols) == 0:
            return []
        contrib = self.views[0].coef[cls_index, cols].astype(np.float64) * vals
        order = np.argsort(-contrib)[:TOP_TERMS]
        return [self.views[0].features.terms[cols[i]] for i in order if contrib[i] > 0]
