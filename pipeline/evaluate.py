"""Metrics for multi-label coding: per-label P/R/F1, macro-F1, Cohen's kappa, reliability,
and review-level bootstrap intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.records import LABELS


def cohen_kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Kappa for two binary codings of the same passages (1.0 when both are constant and equal)."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    n = len(a)
    if n == 0:
        return float("nan")
    po = float(np.mean(a == b))
    pe = float(np.mean(a) * np.mean(b) + np.mean(~a) * np.mean(~b))
    return 1.0 if pe == 1.0 else (po - pe) / (1 - pe)


def label_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, dict[str, float]]:
    y_true, y_pred = np.asarray(y_true, dtype=bool), np.asarray(y_pred, dtype=bool)
    out: dict[str, dict[str, float]] = {}
    for j, label in enumerate(LABELS):
        t, p = y_true[:, j], y_pred[:, j]
        tp = int(np.sum(t & p))
        fp = int(np.sum(~t & p))
        fn = int(np.sum(t & ~p))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[label] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                      "kappa": round(cohen_kappa(t, p), 4), "support": int(t.sum()),
                      "predicted": int(p.sum())}
    return out


def summarise(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    per = label_metrics(y_true, y_pred)
    return {"labels": per, "macro_f1": round(float(np.mean([m["f1"] for m in per.values()])), 4),
            "n_passages": int(len(y_true))}


def _bootstrap_f1(y_true: np.ndarray, codings: Sequence[np.ndarray], doc_ids: Sequence[str],
                  n_resamples: int, seed: int) -> tuple[list[np.ndarray], int]:
    """Per-label F1 of each coding on the same resamples of whole reviews, shaped
    (resamples, labels): the same resamples for every coding, so differences are paired."""
    t = np.asarray(y_true, dtype=bool)
    reviews, doc = np.unique(np.asarray(doc_ids, dtype=str), return_inverse=True)
    n_reviews = len(reviews)
    if n_reviews == 0:
        return [], 0
    weights = np.random.default_rng(seed).multinomial(
        n_reviews, np.full(n_reviews, 1 / n_reviews), size=n_resamples)
    out = []
    for coding in codings:
        p = np.asarray(coding, dtype=bool)
        counts = []
        for kind in (t & p, ~t & p, t & ~p):  # per review: tp, fp, fn of each label
            per = np.zeros((n_reviews, t.shape[1]))
            np.add.at(per, doc, kind)
            counts.append(per)
        tp, fp, fn = (weights @ c for c in counts)
        denom = 2 * tp + fp + fn
        out.append(np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0))
    return out, n_reviews


def _intervals(f1: np.ndarray, n_reviews: int, level: float) -> dict:
    edges = [50 * (1 - level), 50 * (1 + level)]

    def bounds(values: np.ndarray) -> list[float]:
        return [round(float(v), 4) for v in np.percentile(values, edges)]

    return {"level": level, "resamples": len(f1), "reviews": n_reviews,
            "macro_f1": bounds(f1.mean(axis=1)),
            "labels": {label: bounds(f1[:, j]) for j, label in enumerate(LABELS)}}


def review_intervals(y_true: np.ndarray, y_pred: np.ndarray, doc_ids: Sequence[str],
                     n_resamples: int = 2000, level: float = 0.95, seed: int = 0) -> dict:
    """Percentile intervals for each label's F1 and macro-F1, resampling whole reviews.

    A review's passages share an author, a style and a child, so they are not independent
    draws: resampling passages would claim far more certainty than 19 test reviews give.
    """
    codings, n_reviews = _bootstrap_f1(y_true, [y_pred], doc_ids, n_resamples, seed)
    return _intervals(codings[0], n_reviews, level) if n_reviews else {}


def paired_review_intervals(y_true: np.ndarray, before: np.ndarray, after: np.ndarray,
                            doc_ids: Sequence[str], n_resamples: int = 2000,
                            level: float = 0.95, seed: int = 0) -> dict:
    """Intervals for the change in F1 from ``before`` to ``after`` on the same passages.

    Both codings are scored on the same resampled reviews, so an interval that excludes 0
    says the change holds across reviews; two separate intervals that overlap do not say
    it does not.
    """
    codings, n_reviews = _bootstrap_f1(y_true, [before, after], doc_ids, n_resamples, seed)
    return _intervals(codings[1] - codings[0], n_reviews, level) if n_reviews else {}


def reliability(y_true: np.ndarray, scores: np.ndarray, bins: int = 10) -> dict:
    """Expected calibration error and the reliability table, all labels pooled."""
    t = np.asarray(y_true, dtype=float).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    edges = np.linspace(0, 1, bins + 1)
    table, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (s >= lo) & ((s < hi) if hi < 1 else (s <= hi))
        if not mask.any():
            continue
        conf, acc = float(s[mask].mean()), float(t[mask].mean())
        ece += mask.mean() * abs(conf - acc)
        table.append({"bin": [round(lo, 2), round(hi, 2)], "n": int(mask.sum()),
                      "mean_score": round(conf, 3), "positive_rate": round(acc, 3)})
    return {"ece": round(float(ece), 4), "table": table}


def check_yield(y_true: np.ndarray, y_pred: np.ndarray, flagged: np.ndarray) -> dict:
    """What reading the "check" flags first is worth: the share of label decisions
    flagged, the share of all wrong decisions among them, and the error rate in and out."""
    wrong = np.asarray(y_true, dtype=bool) != np.asarray(y_pred, dtype=bool)
    flagged = np.asarray(flagged, dtype=bool)

    def rate(part: np.ndarray) -> float:
        return round(float(part.mean()), 4) if part.size else 0.0

    return {"decisions_flagged": rate(flagged),
            "errors_flagged": rate(flagged[wrong]),
            "error_rate_flagged": rate(wrong[flagged]),
            "error_rate_unflagged": rate(wrong[~flagged])}


CHECK_MARGINS = (0.05, 0.1, 0.2, 0.3)


def check_curve(y_true: np.ndarray, proba: np.ndarray, thresholds: np.ndarray,
                margins: Sequence[float] = CHECK_MARGINS) -> list[dict]:
    """``check_yield`` at several margins around the thresholds: how much reading finds how
    many of the errors, for a researcher choosing how wide a band to check by hand."""
    pred = proba >= thresholds
    return [{"margin": m, **check_yield(y_true, pred, np.abs(proba - thresholds) < m)}
            for m in margins]


def format_report(result: dict, title: str = "") -> str:
    ci = result.get("intervals") or {}
    lines = [title] if title else []
    lines.append(f"{'label':<24}{'prec':>7}{'rec':>7}{'f1':>7}{'kappa':>7}{'support':>9}"
                 + (f"  f1 {ci['level']:.0%} interval" if ci else ""))

    def interval(bounds: list[float] | None) -> str:
        return f"  [{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds else ""

    for label, m in result["labels"].items():
        lines.append(f"{label:<24}{m['precision']:>7.3f}{m['recall']:>7.3f}{m['f1']:>7.3f}"
                     f"{m['kappa']:>7.3f}{m['support']:>9}"
                     + interval(ci.get("labels", {}).get(label)))
    lines.append(f"{'macro-F1':<24}{result['macro_f1']:>21.3f}{'':>16}"
                 + interval(ci.get("macro_f1")) + f"   (n={result['n_passages']}"
                 + (f", {ci['reviews']} reviews resampled)" if ci else ")"))
    if check := result.get("check"):
        lines.append(f"'check' flags: {check['decisions_flagged']:.1%} of label decisions, "
                     f"holding {check['errors_flagged']:.0%} of the errors (error rate "
                     f"{check['error_rate_flagged']:.0%} flagged, "
                     f"{check['error_rate_unflagged']:.1%} not)")
    return "\n".join(lines)


def matrix(labels: Sequence[Sequence[str]]) -> np.ndarray:
    return np.array([[int(lab in row) for lab in LABELS] for row in labels], dtype=int)
