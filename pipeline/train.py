"""Training, grouped cross-validation and model cards.

Every figure in a model card is computed here, from passages grouped by review so
that no review contributes to both sides of a split.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from pipeline.evaluate import matrix, reliability, summarise
from pipeline.keywords import KeywordCoder
from pipeline.model import ThemeModel
from pipeline.records import LABELS, LabelledPassage
from pipeline.store import save_model

CORPUS_PASSAGES = Path(__file__).resolve().parents[1] / "corpus" / "labelled" / "passages.jsonl"


def doc_ids_of(passages: Sequence[LabelledPassage]) -> list[str]:
    """Review ids; a passage without one is its own group (it still trains)."""
    return [p.doc_id or f"_nodoc_{i}" for i, p in enumerate(passages)]


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
                   groups: Sequence[str] | None = None, n_splits: int = 5) -> dict[str, Any]:
    """Out-of-fold predictions and metrics; folds grouped by review, or by ``groups``.

    With ``groups`` (e.g. house styles) every group is held out once.
    """
    texts = [p.text for p in passages]
    docs = doc_ids_of(passages)
    y = matrix([p.labels for p in passages])
    if groups is not None:
        splitter, split_groups = LeaveOneGroupOut(), np.array(groups)
    else:
        splitter = GroupKFold(n_splits=min(n_splits, len(set(docs))))
        split_groups = np.array(docs)
    pred = np.zeros_like(y)
    scores = np.zeros(y.shape, dtype=float)
    for train, test in splitter.split(texts, y, split_groups):
        model = make().fit([texts[i] for i in train], y[train], [docs[i] for i in train])
        proba = model.predict_proba([texts[i] for i in test], [docs[i] for i in test])
        scores[test] = proba
        thresholds = getattr(model, "thresholds_", np.full(len(LABELS), 0.5))
        pred[test] = proba >= thresholds
    result = summarise(y, pred)
    result["reliability"] = reliability(y, scores)
    result["folds"] = ("leave-one-group-out over " + str(len(set(groups)))
                       if groups is not None else f"GroupKFold({splitter.n_splits}) by review")
    result["oof_pred"] = pred
    return result


def evaluate_on(model: Any, passages: Sequence[LabelledPassage]) -> dict[str, Any]:
    texts = [p.text for p in passages]
    docs = doc_ids_of(passages)
    y = matrix([p.labels for p in passages])
    proba = model.predict_proba(texts, docs)
    thresholds = getattr(model, "thresholds_", np.full(len(LABELS), 0.5))
    result = summarise(y, proba >= thresholds)
    result["reliability"] = reliability(y, proba)
    return result


def _public(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "oof_pred"}


def fit_model(passages: Sequence[LabelledPassage], **params: Any) -> ThemeModel:
    return ThemeModel(**params).fit([p.text for p in passages],
                                    matrix([p.labels for p in passages]), doc_ids_of(passages))


def train_and_save(train: Sequence[LabelledPassage], out_dir: str | Path, *,
                   test: Sequence[LabelledPassage] = (), sources: Sequence[str] = (),
                   params: dict[str, Any] | None = None, cv: bool = True,
                   model_id: str | None = None, log: Callable[[str], None] = print
                   ) -> dict[str, Any]:
    """Fit on ``train``, measure (grouped CV; held-out ``test`` if given), write model + card."""
    params = params or {}
    metrics: dict[str, Any] = {}
    if cv and len({p.doc_id for p in train}) >= 3:
        log(f"cross-validating on {len(train)} passages, folds grouped by review ...")
        metrics["cv_by_review"] = _public(cross_validate(train, lambda: ThemeModel(**params)))
        metrics["keyword_cv_by_review"] = _public(cross_validate(train, KeywordCoder))
    log(f"fitting on {len(train)} passages ...")
    model = fit_model(train, **params)
    model.model_id = model_id or Path(out_dir).name
    if test:
        metrics["held_out_test"] = evaluate_on(model, test)
        metrics["keyword_held_out_test"] = evaluate_on(KeywordCoder(), test)
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
