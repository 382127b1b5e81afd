"""TF-IDF features for the category model, computed without scikit-learn at prediction time.

Training fits the vocabulary and IDF weights with scikit-learn's ``TfidfVectorizer``
(word 1-2-grams, sublinear term frequency, L2 norm); this module reproduces its transform
with plain dictionaries and NumPy so the shipped model is just arrays (no pickle) and a
single prediction costs a dictionary look-up per token instead of scikit-learn's per-call
overhead.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import scipy.sparse as sp

# scikit-learn's default token pattern: words of two or more word characters.
TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")


def ngrams(text: str, max_n: int = 2) -> list[str]:
    """Return the word 1..``max_n``-grams of ``text`` exactly as ``TfidfVectorizer`` builds them."""
    tokens = TOKEN_PATTERN.findall(text.lower())
    grams = list(tokens)
    for n in range(2, max_n + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


class TfidfFeatures:
    """A fitted word n-gram TF-IDF map: vocabulary -> column, IDF per column."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, max_n: int = 2) -> None:
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float64)
        self.max_n = max_n
        # Column -> term, for explaining a decision by the terms that drove it.
        self.terms: list[str] = [""] * len(vocabulary)
        for term, col in vocabulary.items():
            self.terms[col] = term

    @property
    def size(self) -> int:
        """Number of feature columns."""
        return len(self.terms)

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(columns, values)`` of the L2-normalised sublinear TF-IDF vector of ``text``."""
        counts = Counter(
            col for g in ngrams(text, self.max_n) if (col := self.vocabulary.get(g)) is not None
        )
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64)
        vals = tf * self.idf[cols]
        vals /= np.sqrt(vals @ vals)
        return cols, vals

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """Return the TF-IDF matrix of ``texts`` (one row per text)."""
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for text in texts:
            cols, vals = self.transform_one(text)
            indices.append(cols)
            data.append(vals)
            indptr.append(indptr[-1] + len(cols))
        return sp.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
                np.asarray(indptr),
            ),
            shape=(len(texts), self.size),
        )
