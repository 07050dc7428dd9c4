"""The review-context stage: a passage's scores read beside its neighbours' and its review's."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.records import LABELS
from pipeline.review_scores import ReviewScores, review_features

EFH = LABELS.index("extrafamilial_harm")


def _scores(values: list[float]) -> np.ndarray:
    s = np.full((len(values), len(LABELS)), 0.05)
    s[:, EFH] = values
    return s


def test_features_never_cross_from_one_review_into_the_next() -> None:
    scores = _scores([0.9, 0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    docs = ["a", "a", "b", "b", "b", "b", "b", "b"]
    Z = review_features(scores, docs)[:, :, EFH]
    own, mean, top = Z[:, 0], Z[:, 1], Z[:, 2]
    assert own[0] > own[1] > 0 > own[2]
    assert mean[0] == mean[1] == pytest.approx(top[0]) and top[0] > 0  # two passages: top = mean
    assert 0 > mean[2] == mean[7] == pytest.approx(top[7])  # review b is its own


def test_a_review_is_every_passage_with_its_doc_id_in_any_order() -> None:
    values = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.95, 0.05]
    docs = ["a", "b", "a", "b", "a", "b", "a", "a", "a"]
    Z = review_features(_scores(values), docs)[:, :, EFH]
    a = [v for v, d in zip(values, docs, strict=True) if d == "a"]
    expected_top = np.mean(sorted(a)[-5:])
    assert Z[0, 1] == pytest.approx(np.log(np.mean(a) / (1 - np.mean(a))))
    assert Z[0, 2] == pytest.approx(np.log(expected_top / (1 - expected_top)))
    assert Z[3, 2] == pytest.approx(Z[3, 1])  # three passages: top five is all of them
    assert len({round(z, 9) for z in Z[[0, 2, 4, 6, 7, 8], 1]}) == 1


def _reviews(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Reviews about the theme, where quiet passages between strong ones carry the label,
    and reviews not about it, where the same quiet scores do not."""
    scores, y, docs = [], [], []
    for r in range(n):
        about = r % 2 == 0
        for k in range(12):
            strong = about and k % 3 != 1
            quiet = 0.2 + rng.normal(0, 0.05)
            s = 0.85 + rng.normal(0, 0.05) if strong else quiet
            scores.append(np.clip(s, 0.01, 0.99))
            y.append(int(about))
            docs.append(f"r{r}")
    y_all = np.zeros((len(y), len(LABELS)), dtype=int)
    y_all[:, EFH] = y
    return _scores(scores), y_all, docs


def test_context_lifts_a_quiet_passage_only_in_a_review_about_the_theme() -> None:
    scores, y, docs = _reviews(np.random.default_rng(0), 40)
    stage = ReviewScores(C=1.0).fit(scores, y, docs)
    assert stage.oof_scores_.shape == y.shape  # out-of-fold, for its thresholds
    test = _scores([0.9, 0.2, 0.9, 0.9, 0.2, 0.2, 0.2, 0.2])
    out = stage.predict_proba(test, ["about"] * 4 + ["not"] * 4)[:, EFH]
    assert out[1] > 0.5 > out[5]
    docs = ["about"] * 4 + ["not"] * 4
    reasons = stage.context_reasons(review_features(test, docs), np.array([1, 5]), EFH)
    assert reasons[1] == ["the review as a whole is about extrafamilial_harm"]
    assert 5 not in reasons  # a quiet review lifts nothing


def test_another_labels_review_scores_do_not_move_a_label() -> None:
    """No preschool passage anywhere (an older child's review) must not act as a prior."""
    scores, y, docs = _reviews(np.random.default_rng(1), 40)
    y[::3, LABELS.index("preschool_parental_mh")] = 1  # give the other label something to learn
    stage = ReviewScores(C=1.0).fit(scores, y, docs)
    passage = _scores([0.3])
    quiet, busy = _scores([0.3, 0.3, 0.3]), _scores([0.3, 0.3, 0.3])
    busy[:, LABELS.index("preschool_parental_mh")] = 0.95
    a = stage.predict_proba(np.vstack([passage, quiet]), ["r"] * 4)[0, EFH]
    b = stage.predict_proba(np.vstack([passage, busy]), ["r"] * 4)[0, EFH]
    assert a == pytest.approx(b)
