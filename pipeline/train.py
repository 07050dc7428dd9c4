"""Training, grouped cross-validation and model cards.

Every figure in a model card is computed here, from passages grouped by review so
that no review contributes to both sides of a split.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from pipeline.evaluate import (
    check_curve,
    check_yield,
    matrix,
    paired_review_intervals,
    reliability,
    review_intervals,
    summarise,
)
from pipeline.keywords import KeywordCoder
from pipeline.model import ThemeModel
from pipeline.records import LABELS, LabelledPassage
from pipeline.store import ModelIntegrityError, load_model, read_card, save_model

CORPUS_PASSAGES = Path(__file__).resolve().parents[1] / "corpus" / "labelled" / "passages.jsonl"


def doc_ids_of(passages: Sequence[LabelledPassage]) -> list[str]:
    """Review ids; a passage without one is its own group (it still trains)."""
    return [p.doc_id or f"_nodoc_{i}" for i, p in enumerate(passages)]


def review_order(passages: Sequence[LabelledPassage]) -> list[int]:
    """Indices that put each review's passages together, in their original order.

    Annotation tools export in annotation order, which interleaves reviews; the model
    reads a review's passages as a sequence (neighbour features), so it must see them
    together, as ``cspr run`` writes them.
    """
    docs = doc_ids_of(passages)
    first = {d: i for i, d in reversed(list(enumerate(docs)))}
    return sorted(range(len(passages)), key=lambda i: (first[docs[i]], i))


def data_fingerprint(passages: Sequence[LabelledPassage]) -> str:
    h = hashlib.sha256()
    for p in passages:
        h.update(json.dumps([p.text, sorted(p.labels), p.doc_id], ensure_ascii=False).encode())
    return h.hexdigest()


def describe(passages: Sequence[LabelledPassage]) -> dict[str, Any]:
    counts = Counter(lab for p in passages for lab in p.labels)
    return {
        "sha256": data_fingerprint(passages),
        "passages": len(passages),
        "reviews": len({p.doc_id for p in passages if p.doc_id}),
        "no_label": sum(1 for p in passages if not p.labels),
        "label_counts": {lab: counts.get(lab, 0) for lab in LABELS},
    }


def cross_validate(passages: Sequence[LabelledPassage], make: Callable[[], Any],
                   groups: Sequence[str] | None = None, n_splits: int = 5,
                   baseline: Any | None = None) -> dict[str, Any]:
    """Out-of-fold predictions and metrics; folds grouped by review, or by ``groups``.

    With ``groups`` (e.g. house styles) folds hold out whole groups: ``n_splits`` folds
    (each group held out once), so every score is on groups the model never saw. With ``baseline``
    (an already trained model) its predictions on each fold's held-out part are kept in
    ``baseline_pred``, so the two can be compared passage for passage.
    """
    texts = [p.text for p in passages]
    docs = doc_ids_of(passages)
    y = matrix([p.labels for p in passages])
    split_groups = np.array(groups if groups is not None else docs)
    splitter = GroupKFold(n_splits=min(n_splits, len(set(split_groups))))
    pred = np.zeros_like(y)
    base_pred = np.zeros_like(y)
    scores = np.zeros(y.shape, dtype=float)
    for train, test in splitter.split(texts, y, split_groups):
        model = make().fit([texts[i] for i in train], y[train], [docs[i] for i in train])
        test_texts, test_docs = [texts[i] for i in test], [docs[i] for i in test]
        proba = model.predict_proba(test_texts, test_docs)
        scores[test] = proba
        pred[test] = proba >= _thresholds(model)
        if baseline is not None:
            base_pred[test] = baseline.predict_proba(test_texts, test_docs) >= _thresholds(
                baseline)
    result = summarise(y, pred)
    result["reliability"] = reliability(y, scores)
    result["intervals"] = review_intervals(y, pred, docs)
    result["folds"] = (f"GroupKFold({splitter.n_splits}) by "
                       + ("the given groups" if groups is not None else "review"))
    result["oof_pred"] = pred
    if baseline is not None:
        result["baseline_pred"] = base_pred
    return result


def _can_predict(model: Any, passages: Sequence[LabelledPassage],
                 log: Callable[[str], None]) -> bool:
    """Whether a model saved by another version of the code still runs on this one."""
    try:
        model.predict_proba([p.text for p in passages[:2]], doc_ids_of(passages[:2]))
    except (ValueError, AttributeError, TypeError) as exc:
        log(f"warning: the model to compare with cannot score passages with this version of "
            f"the code ({exc}); no comparison")
        return False
    return True


def _thresholds(model: Any) -> np.ndarray:
    return np.asarray(getattr(model, "thresholds_", np.full(len(LABELS), 0.5)))


def compare_predictions(y: np.ndarray, new_pred: np.ndarray, base_pred: np.ndarray,
                        doc_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """Per-label F1 of two codings of the same passages, side by side with the difference;
    given ``doc_ids``, with a 95% interval for the difference over resampled reviews."""
    new, base = summarise(y, new_pred), summarise(y, base_pred)
    ci = paired_review_intervals(y, base_pred, new_pred, doc_ids) if doc_ids else {}
    labels = {lab: {"baseline_f1": base["labels"][lab]["f1"], "new_f1": new["labels"][lab]["f1"],
                    "delta": round(new["labels"][lab]["f1"] - base["labels"][lab]["f1"], 4),
                    "support": new["labels"][lab]["support"]} for lab in LABELS}
    macro = {"baseline": base["macro_f1"], "new": new["macro_f1"],
             "delta": round(new["macro_f1"] - base["macro_f1"], 4)}
    if ci:
        for lab in LABELS:
            labels[lab]["delta_interval"] = ci["labels"][lab]
        macro["delta_interval"] = ci["macro_f1"]
    return {"n_passages": int(len(y)), "labels": labels, "macro_f1": macro,
            **({"reviews": ci["reviews"]} if ci else {})}


def compare_on_folds(passages: Sequence[LabelledPassage], cv: dict[str, Any],
                     baseline_id: str, new_mask: Sequence[bool] | None = None
                     ) -> dict[str, Any]:
    """The new recipe's out-of-fold predictions against the baseline's, same passages.

    ``new_mask`` marks the newly labelled passages: the baseline never saw them, so that
    subset is the fair comparison when the rest are its own training data.
    """
    y = matrix([p.labels for p in passages])
    docs = np.array(doc_ids_of(passages))
    out: dict[str, Any] = {"baseline_model": baseline_id, "folds": cv["folds"],
                           "all": compare_predictions(y, cv["oof_pred"], cv["baseline_pred"],
                                                      list(docs))}
    if new_mask is not None:
        mask = np.asarray(new_mask, dtype=bool)
        if mask.any() and not mask.all():
            out["new_data"] = compare_predictions(y[mask], cv["oof_pred"][mask],
                                                  cv["baseline_pred"][mask], list(docs[mask]))
    return out


def format_comparison(comparison: dict[str, Any]) -> str:
    """Per-label F1 table: baseline model vs the new recipe (out of fold)."""
    lines = [f"comparison with {comparison['baseline_model']} on the same folds "
             f"({comparison['folds']}); new = out-of-fold"]
    parts = [("all passages", comparison["all"])]
    if "new_data" in comparison:
        parts.append(("newly labelled passages only", comparison["new_data"]))
    def interval(m: dict[str, Any]) -> str:
        bounds = m.get("delta_interval")
        return f"  [{bounds[0]:+.3f}, {bounds[1]:+.3f}]" if bounds else ""

    for title, part in parts:
        lines.append(f"  {title} (n={part['n_passages']}"
                     + (f", {part['reviews']} reviews)" if "reviews" in part else ")"))
        lines.append(f"  {'label':<24}{'current':>9}{'new':>9}{'diff':>9}{'support':>9}"
                     + ("  diff 95% interval" if "reviews" in part else ""))
        for lab, m in part["labels"].items():
            lines.append(f"  {lab:<24}{m['baseline_f1']:>9.3f}{m['new_f1']:>9.3f}"
                         f"{m['delta']:>+9.3f}{m['support']:>9}" + interval(m))
        mf = part["macro_f1"]
        lines.append(f"  {'macro-F1':<24}{mf['baseline']:>9.3f}{mf['new']:>9.3f}"
                     f"{mf['delta']:>+9.3f}{'':>9}" + interval(mf))
    if any("reviews" in part for _, part in parts):
        lines.append("  an interval that excludes 0 means the change holds across resampled "
                     "reviews (both codings\n  scored on the same resamples)")
    lines.append("  caution: 'current' is scored on passages it may have been trained on (the "
                 "shipped default saw the\n  seed corpus's train split), so its figures are "
                 "optimistic; only passages it never saw compare fairly")
    return "\n".join(lines)


def coding_of(model: Any, passages: Sequence[LabelledPassage]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gold labels, scores and decisions (at the model's thresholds) on labelled passages."""
    docs = doc_ids_of(passages)
    proba = model.predict_proba([p.text for p in passages], docs)
    return matrix([p.labels for p in passages]), proba, proba >= _thresholds(model)


def evaluate_on(model: Any, passages: Sequence[LabelledPassage],
                coding: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                ) -> dict[str, Any]:
    """Per-label figures, calibration and review-level intervals (of ``coding`` when the
    caller already has ``coding_of(model, passages)``)."""
    y, proba, pred = coding if coding is not None else coding_of(model, passages)
    docs = doc_ids_of(passages)
    result = summarise(y, pred)
    result["reliability"] = reliability(y, proba)
    result["intervals"] = review_intervals(y, pred, docs)
    if hasattr(model, "near_threshold"):
        result["check"] = check_yield(y, pred, model.near_threshold(proba))
        result["check_curve"] = check_curve(y, proba, model.thresholds_)
    return result


def _public(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("oof_pred", "baseline_pred")}


def unseen_styles(train: Sequence[LabelledPassage],
                  test: Sequence[LabelledPassage]) -> list[LabelledPassage]:
    """Test passages in house styles (``meta["style"]``) no training passage has: the
    strictest held-out figure, as a new partnership's reviews would be."""
    seen = {p.meta.get("style") for p in train}
    return [p for p in test if p.meta.get("style") and p.meta["style"] not in seen]


def fit_model(passages: Sequence[LabelledPassage], **params: Any) -> ThemeModel:
    return ThemeModel(**params).fit([p.text for p in passages],
                                    matrix([p.labels for p in passages]), doc_ids_of(passages))


def train_and_save(train: Sequence[LabelledPassage], out_dir: str | Path, *,
                   test: Sequence[LabelledPassage] = (), sources: Sequence[str] = (),
                   params: dict[str, Any] | None = None, cv: bool = True,
                   model_id: str | None = None, log: Callable[[str], None] = print,
                   baseline: tuple[Any, dict[str, Any]] | None = None,
                   new_mask: Sequence[bool] | None = None) -> dict[str, Any]:
    """Fit on ``train``, measure (grouped CV; held-out ``test`` if given), write model + card.

    With ``baseline`` (a loaded model and its card) the cross-validation also scores that
    model on every held-out fold and the card records the comparison (``new_mask``
    marks the newly labelled passages, see ``compare_on_folds``).
    """
    params = params or {}
    metrics: dict[str, Any] = {}
    if cv and len(set(doc_ids_of(train))) >= 3:
        log(f"cross-validating on {len(train)} passages, folds grouped by review ...")
        base_model = baseline[0] if baseline else None
        if base_model is not None and not _can_predict(base_model, train, log):
            base_model = baseline = None
        result = cross_validate(train, lambda: ThemeModel(**params), baseline=base_model)
        metrics["cv_by_review"] = _public(result)
        if baseline is not None:
            base_card = baseline[1]
            metrics["comparison"] = {
                **compare_on_folds(train, result, str(base_card.get("model_id")), new_mask),
                "baseline_artefacts": base_card.get("artefacts")}
        metrics["keyword_cv_by_review"] = _public(cross_validate(train, KeywordCoder))
    elif cv:
        log("too few reviews (groups) to cross-validate: need 3; skipping")
    log(f"fitting on {len(train)} passages ...")
    model = fit_model(train, **params)
    model.model_id = model_id or Path(out_dir).name
    if test:
        metrics["held_out_test"] = evaluate_on(model, test)
        metrics["keyword_held_out_test"] = evaluate_on(KeywordCoder(), test)
        unseen = unseen_styles(train, test)
        if unseen and len(unseen) < len(test):
            metrics["held_out_unseen_styles"] = evaluate_on(model, unseen)
            metrics["keyword_held_out_unseen_styles"] = evaluate_on(KeywordCoder(), unseen)
    card = {
        "model_id": model.model_id,
        "kind": "ThemeModel",
        "params": model.get_params(),
        "labels": list(LABELS),
        "thresholds": {lab: float(t) for lab, t in zip(LABELS, model.thresholds_, strict=True)},
        "training_data": {**describe(train), "sources": list(sources)},
        "test_data": describe(test) if test else None,
        "metrics": metrics,
    }
    return save_model(model, out_dir, card)


def set_default(model_dir: str | Path, default_dir: str | Path) -> dict[str, Any]:
    """Make ``model_dir`` the default model, replacing ``default_dir`` all at once.

    The folder is copied byte for byte (card and artefacts together, so the card's
    hashes still hold), checked by loading it, then swapped in by renames within the
    same parent folder: a reader sees the old default or the new one, never a mix.
    """
    src, dst = Path(model_dir).resolve(), Path(default_dir).resolve()
    if src == dst:
        return read_card(dst)
    load_model(src)  # refuses a folder whose artefacts do not match its card
    dst.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dst.name}.new-", dir=dst.parent))
    old = dst.parent / f".{dst.name}.old-{os.getpid()}"
    try:
        shutil.copytree(src, staging, dirs_exist_ok=True)
        _model, card = load_model(staging)
        if dst.exists():
            os.replace(dst, old)
        try:
            os.replace(staging, dst)
        except OSError:
            if old.exists():
                os.replace(old, dst)
            raise
    except (OSError, ModelIntegrityError):
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return card
