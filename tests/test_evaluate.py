"""Review-level bootstrap intervals (how sure a held-out figure from a few reviews is), and
what the "check" flags are worth."""

from __future__ import annotations

import numpy as np

from pipeline.evaluate import (
    check_curve,
    check_yield,
    format_report,
    paired_review_intervals,
    review_intervals,
    summarise,
)
from pipeline.records import LABELS


def _coding(missed: dict[int, int], n_reviews: int = 20, per_review: int = 30):
    """Every passage positive for every label; ``missed[r]`` passages of review r missed."""
    docs = np.repeat([f"r{i}" for i in range(n_reviews)], per_review)
    y = np.ones((len(docs), len(LABELS)), dtype=int)
    pred = y.copy()
    for review, n in missed.items():
        pred[np.flatnonzero(docs == f"r{review}")[:n]] = 0
    return y, pred, docs


SPREAD = {r: 3 for r in range(20)}  # 60 misses, three in every review
FEW = {3: 30, 11: 30}  # the same 60, in two whole reviews


def test_interval_contains_the_figure_and_is_reproducible() -> None:
    y, pred, docs = _coding(SPREAD)
    point = summarise(y, pred)
    ci = review_intervals(y, pred, docs)
    assert ci == review_intervals(y, pred, docs)  # seeded
    assert ci["reviews"] == 20
    for label in LABELS:
        lo, hi = ci["labels"][label]
        assert 0.0 <= lo <= point["labels"][label]["f1"] <= hi <= 1.0
    assert ci["macro_f1"][0] <= point["macro_f1"] <= ci["macro_f1"][1]


def test_errors_in_few_reviews_give_a_wider_interval_than_the_same_errors_spread() -> None:
    # resampling passages would give both the same width; resampling reviews must not
    spread = review_intervals(*_coding(SPREAD))
    few = review_intervals(*_coding(FEW))
    assert summarise(*_coding(SPREAD)[:2])["macro_f1"] == summarise(
        *_coding(FEW)[:2])["macro_f1"]
    width = {name: ci["macro_f1"][1] - ci["macro_f1"][0]
             for name, ci in (("spread", spread), ("few", few))}
    assert width["few"] > 3 * width["spread"]


def test_perfect_coding_has_no_uncertainty_and_the_report_shows_intervals() -> None:
    y, _, docs = _coding({})
    ci = review_intervals(y, y, docs)
    assert ci["macro_f1"] == [1.0, 1.0]
    result = summarise(y, y) | {"intervals": ci}
    report = format_report(result)
    assert "[1.000, 1.000]" in report and "20 reviews resampled" in report


def test_paired_interval_is_zero_for_the_same_coding_and_positive_for_a_better_one() -> None:
    y, worse, docs = _coding({r: r for r in range(20)})  # 0 to 19 misses: reviews differ
    better = worse.copy()
    for r in range(1, 20):  # one miss fixed in every review that has one
        better[np.flatnonzero((docs == f"r{r}") & (worse[:, 0] == 0))[0]] = 1
    same = paired_review_intervals(y, worse, worse, docs)
    assert same["macro_f1"] == [0.0, 0.0]
    gain = paired_review_intervals(y, worse, better, docs)
    assert gain["macro_f1"][0] > 0 and gain["labels"][LABELS[0]][0] > 0
    # the two separate intervals overlap, although every resample favours the better one
    assert review_intervals(y, better, docs)["macro_f1"][0] < review_intervals(
        y, worse, docs)["macro_f1"][1]


def test_check_yield_says_how_many_errors_the_flags_hold() -> None:
    # 5 passages x 4 labels = 20 decisions; 4 are wrong, 3 of them among the 4 flagged
    y_true = np.zeros((5, 4), dtype=int)
    y_pred = y_true.copy()
    flagged = np.zeros((5, 4), dtype=bool)
    y_pred[0, 0] = y_pred[1, 1] = y_pred[2, 2] = y_pred[3, 3] = 1
    flagged[0, 0] = flagged[1, 1] = flagged[2, 2] = flagged[4, 0] = True
    got = check_yield(y_true, y_pred, flagged)
    assert got == {"decisions_flagged": 0.2, "errors_flagged": 0.75,
                   "error_rate_flagged": 0.75, "error_rate_unflagged": 0.0625}
    assert "holding 75% of the errors" in format_report(
        {**summarise(y_true, y_pred), "check": got})


def test_a_wider_check_band_flags_more_and_holds_more_errors() -> None:
    rng = np.random.default_rng(0)
    proba = rng.random((400, 4))
    thresholds = np.array([0.3, 0.4, 0.5, 0.6])
    # truth agrees with the scores far from the thresholds, and is a coin toss near them
    y_true = np.where(np.abs(proba - thresholds) < 0.15, rng.random((400, 4)) < 0.5,
                      proba >= thresholds)
    curve = check_curve(y_true, proba, thresholds)
    assert [c["margin"] for c in curve] == [0.05, 0.1, 0.2, 0.3]
    flagged = [c["decisions_flagged"] for c in curve]
    held = [c["errors_flagged"] for c in curve]
    assert flagged == sorted(flagged) and held == sorted(held)
    assert held[2] == 1.0  # every error lies within 0.15 of a threshold
    assert curve[1] == {"margin": 0.1, **check_yield(
        y_true, proba >= thresholds, np.abs(proba - thresholds) < 0.1)}
