"""Code passages held in JSONL, keeping the input records and their order."""

from __future__ import annotations

from pathlib import Path

from pipeline.io import read_jsonl, write_jsonl
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


def classify_file(path: str | Path, out: str | Path, model_dir: str | Path | None = None) -> int:
    model, _card = load_model(model_dir)
    records = list(read_jsonl(path))
    return write_jsonl(out, classify_records(records, model))
