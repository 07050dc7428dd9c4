"""Code passages held in JSONL, keeping the input records and their order."""

from __future__ import annotations

from pathlib import Path

from pipeline.io import read_jsonl, write_jsonl
from pipeline.records import LABELS
from pipeline.store import load_model


def classify_records(records: list[dict], model) -> list[dict]:
    for i, rec in enumerate(records, 1):
        if not isinstance(rec.get("text"), str):
            raise ValueError(f"record {i}: needs a string 'text' field")
    texts = [r["text"] for r in records]
    doc_ids = [str(r.get("doc_id") or "") for r in records]
    preds = model.code(texts, doc_ids)
    return [{**rec, **pred.to_dict(), "model": model.model_id}
            for rec, pred in zip(records, preds, strict=True)]


def classify_file(path: str | Path, out: str | Path, model_dir: str | Path | None = None,
                  check_margin: float | None = None) -> int:
    """Code a JSONL file of passages; ``check_margin`` widens or narrows the ``check``
    band (default: the model's own)."""
    model, _card = load_model(model_dir)
    if check_margin is not None:
        model.check_margin = valid_margin(check_margin)
    records = list(read_jsonl(path))
    return write_jsonl(out, classify_records(records, model))


def valid_margin(margin: float) -> float:
    if not 0.0 <= margin <= 1.0:
        raise ValueError(f"--check-margin must be between 0 and 1 (a distance between "
                         f"probabilities), not {margin:g}")
    return float(margin)


def recheck(record: dict, thresholds: dict[str, float], margin: float) -> dict:
    """The coded passage with ``check`` redone for another margin, from its scores."""
    scores = record.get("scores") or {}
    return {**record, "check": [lab for lab in LABELS if lab in scores and lab in thresholds
                                and abs(scores[lab] - thresholds[lab]) < margin]}
