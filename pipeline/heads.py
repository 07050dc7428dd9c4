"""One binary decision per label: a logistic regression, or a constant when it cannot learn.

Shared by the passage heads (``model.py``), the sentence heads (``sentences.py``) and the
review-context heads (``review_scores.py``), so all treat a label whose rows hold one
class (or none) the same way.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

Head = LogisticRegression | float


def fit_head(X: sparse.csr_matrix | np.ndarray, y: np.ndarray, C: float,
             class_weight: str | None = None, solver: str = "liblinear") -> Head:
    """A logistic regression on rows ``X`` with 0/1 targets ``y``; the constant target
    when the rows hold one class, 0.0 when there are none."""
    if not len(y) or y.min() == y.max():
        return float(y[0]) if len(y) else 0.0
    return LogisticRegression(C=C, class_weight=class_weight, max_iter=2000,
                              solver=solver).fit(X, y)


def head_scores(head: Head, X: sparse.csr_matrix | np.ndarray) -> np.ndarray:
    """Probability of the label for every row of ``X``: ``predict_proba``'s arithmetic
    without its input validation, which costs more than the product on one review."""
    if isinstance(head, float):
        return np.full(X.shape[0], head)
    return expit(X @ head.coef_[0] + head.intercept_[0])
