"""A second reading of each passage's scores beside its review's.

A paragraph that carries on an account of a boy's exploitation rarely repeats the words
("he was away from home six more times that summer"), so the passage model scores it
low, while the review as a whole reads as exploitation. Counts of theme words over the
whole review, given to the passage model directly, made it code every passage of a
teenager's review as extrafamilial harm; here a small logistic regression per label
learns how far to trust the review from the passage model's *out-of-fold* scores, that
is, from passages it had not seen, as at prediction time. Its inputs for a label are the
logits of the passage's four scores and of the review's mean and top-five mean score for
that label. Only that label's: the review's other labels acted as priors (no
preschool passage anywhere meant an older child, which lifted every passage towards
`child_mental_health`) for no gain in grouped CV by house style (0.8412 either way on the
train split; the passages either side, tried as well, lowered it by about 0.002).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import GroupKFold

from pipeline.heads import Head, fit_head, head_scores
from pipeline.records import LABELS

TOP_K = 5
GROUPS = ("own", "review mean", "review top")
CONTEXT_WORDS = {"review mean": "the review as a whole is about",
                 "review top": "the review's strongest passages are about"}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def review_features(scores: np.ndarray, doc_ids: list[str]) -> np.ndarray:
    """Logits per passage: its own scores, its review's mean and its review's top-five mean,
    shaped (passages, 3, labels). A review is every passage with its doc_id, in any order."""
    _, doc, counts = np.unique(np.asarray(doc_ids, dtype=str), return_inverse=True,
                               return_counts=True)
    n_docs = len(counts)
    kept = np.minimum(counts, TOP_K)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    mean = np.empty_like(scores)
    top = np.empty_like(scores)
    for j in range(scores.shape[1]):
        mean[:, j] = (np.bincount(doc, weights=scores[:, j], minlength=n_docs) / counts)[doc]
        order = np.lexsort((-scores[:, j], doc))  # by review, best first
        rank = np.arange(len(order)) - starts[doc[order]]
        best = order[rank < TOP_K]
        top[:, j] = (np.bincount(doc[best], weights=scores[best, j], minlength=n_docs)
                     / kept)[doc]
    return np.stack([_logit(scores), _logit(mean), _logit(top)], axis=1)


def label_inputs(Z: np.ndarray, j: int) -> np.ndarray:
    """A label's inputs: the passage's four scores, and the review's for this label only."""
    return np.hstack([Z[:, 0, :], Z[:, 1:, j]])


class ReviewScores(BaseEstimator):
    """Per-label logistic regressions over ``review_features`` (scikit-learn conventions).

    Parameters
    ----------
    C : inverse regularisation strength; small, because the dense inputs are
        learnt from a few thousand passages and context must not swamp the passage.
    folds : grouped folds for the out-of-fold scores its thresholds are tuned on.
    """

    def __init__(self, C: float = 0.1, folds: int = 5) -> None:
        self.C = C
        self.folds = folds

    def _head(self, X: np.ndarray, y: np.ndarray) -> Head:
        # lbfgs, as the stage was measured and selected with (liblinear also penalises
        # the intercept)
        return fit_head(X, y, self.C, solver="lbfgs")

    def fit(self, scores: np.ndarray, y: np.ndarray, doc_ids: list[str]) -> ReviewScores:
        """Learn from out-of-fold passage scores; keep this stage's own out-of-fold scores."""
        Z = review_features(scores, doc_ids)
        inputs = [label_inputs(Z, j) for j in range(y.shape[1])]
        self.oof_scores_ = np.zeros(y.shape, dtype=float)
        groups = np.asarray(doc_ids)
        n_folds = min(self.folds, len(set(doc_ids)))
        if n_folds >= 2:
            for train, test in GroupKFold(n_splits=n_folds).split(scores, y, groups):
                for j, X in enumerate(inputs):
                    self.oof_scores_[test, j] = head_scores(self._head(X[train], y[train, j]),
                                                            X[test])
        self.heads_ = [self._head(X, y[:, j]) for j, X in enumerate(inputs)]
        self.review_means_ = np.array([X[:, len(LABELS):].mean(axis=0) for X in inputs])
        return self

    def predict_proba(self, scores: np.ndarray, doc_ids: list[str]) -> np.ndarray:
        return self.proba_from(review_features(scores, doc_ids))

    def proba_from(self, Z: np.ndarray) -> np.ndarray:
        """Scores from ``review_features`` already computed (``code`` reuses them)."""
        return np.column_stack([head_scores(h, label_inputs(Z, j))
                                for j, h in enumerate(self.heads_)])

    def context_reasons(self, Z: np.ndarray, rows: np.ndarray, j: int,
                        margin: float = 1.0) -> dict[int, list[str]]:
        """For passages ``rows`` given label ``j``: the review context that raised its score.

        Named where the review's score for the label, against the average training
        review's, added more than ``margin`` to the label's logit.
        """
        head = self.heads_[j]
        if isinstance(head, float) or not len(rows):
            return {}
        review = Z[rows, 1:, j]  # mean, top
        contrib = (review - self.review_means_[j]) * head.coef_[0][len(LABELS):]
        best = np.argmax(contrib, axis=1)
        lifted = contrib[np.arange(len(rows)), best] > margin
        return {i: [f"{CONTEXT_WORDS[GROUPS[b + 1]]} {LABELS[j]}"]
                for i, b in zip(rows[lifted].tolist(), best[lifted].tolist(), strict=True)}
