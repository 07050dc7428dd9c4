"""Sentence scores pooled per passage: the one sentence that carries a label counts in full.

A passage's TF-IDF vector averages over all its sentences, so one critical sentence in a
long paragraph of neutral chronology ("She did not contact the home treatment team") is
diluted. A logistic regression per label over single sentences (each taking its passage's
labels, a noisy but useful target) scores every sentence; the passage gets the maximum and
the mean per label as features. On the training passages those scores come from grouped
out-of-fold models, so the passage model learns how far to trust them on unseen reviews.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.model_selection import GroupKFold

from pipeline.heads import Head, fit_head, head_scores


class SentenceScores:
    """Per-label sentence classifiers, pooled to (max, mean) per passage and label.

    Parameters
    ----------
    C : inverse regularisation strength of each sentence-level logistic regression.
    folds : grouped folds for the out-of-fold scores of the training passages.
    """

    def __init__(self, C: float = 4.0, folds: int = 5) -> None:
        self.C = C
        self.folds = folds

    def _fit(self, S: sparse.csr_matrix, y: np.ndarray) -> list[Head]:
        return [fit_head(S, y[:, j], self.C) for j in range(y.shape[1])]

    @staticmethod
    def _pool(S: sparse.csr_matrix, owner: np.ndarray, heads: list, n: int) -> np.ndarray:
        k = len(heads)
        out = np.zeros((n, 2 * k))
        counts = np.bincount(owner, minlength=n).clip(1)
        for j, head in enumerate(heads):
            p = head_scores(head, S)
            np.maximum.at(out[:, j], owner, p)
            out[:, k + j] = np.bincount(owner, weights=p, minlength=n) / counts
        return out

    def fit_transform(self, S: sparse.csr_matrix, owner: np.ndarray, y: np.ndarray,
                      groups: Sequence[str]) -> np.ndarray:
        """Out-of-fold pooled scores for the training passages; then fit on them all."""
        n = len(y)
        groups = np.asarray(groups)
        n_folds = min(self.folds, len(set(groups.tolist())))
        pooled = np.zeros((n, 2 * y.shape[1]))
        if n_folds >= 2:
            for train, test in GroupKFold(n_splits=n_folds).split(np.zeros(n), groups=groups):
                rows_train, rows_test = np.isin(owner, train), np.isin(owner, test)
                heads = self._fit(S[rows_train], y[owner[rows_train]])
                pooled[test] = self._pool(S[rows_test], owner[rows_test], heads, n)[test]
        self.heads_ = self._fit(S, y[owner])
        if n_folds < 2:
            pooled = self._pool(S, owner, self.heads_, n)
        return pooled

    def transform(self, S: sparse.csr_matrix, owner: np.ndarray, n: int) -> np.ndarray:
        return self._pool(S, owner, self.heads_, n)
