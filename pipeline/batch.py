"""A run over input PDFs: discovery, per-document processing, run files."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.context import review_context
from pipeline.extract import ExtractionError, extract
from pipeline.io import write_json, write_jsonl
from pipeline.records import LABELS, SCHEMA_VERSION, RunError
from pipeline.segment import segment
from pipeline.store import library_versions, load_model


def discover(inputs: Sequence[str | Path]) -> tuple[list[Path], list[RunError]]:
    """PDF files named directly or found under folders (recursively, *.pdf any case)."""
    found: list[Path] = []
    errors: list[RunError] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for root, _dirs, files in os.walk(path, followlinks=False):
                found += [Path(root) / f for f in sorted(files) if f.lower().endswith(".pdf")]
        elif path.is_file():
            found.append(path)
        else:
            errors.append(RunError(str(path), "unreadable_path", "no such file or folder"))
    return sorted(dict.fromkeys(found)), errors


def make_doc_id(path: Path, sha256: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "doc"
    return f"{stem[:48]}-{sha256[:8]}"


@dataclass
class RunSummary:
    out_dir: Path
    documents: int = 0
    failed: int = 0
    passages: int = 0
    label_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def process_document(path: Path, model: Any) -> tuple[dict, list[dict]]:
    doc = extract(path)
    doc.doc_id = make_doc_id(path, doc.sha256)
    passages = segment(doc)
    texts = [p.text for p in passages]
    context = review_context(texts, doc.title)
    preds = model.code(texts, [p.doc_id for p in passages], [context] * len(texts))
    records = []
    counts: Counter[str] = Counter()
    for p, pred in zip(passages, preds, strict=True):
        counts.update(pred.labels)
        records.append({"schema_version": SCHEMA_VERSION, **p.to_dict(), **pred.to_dict(),
                        "model": model.model_id})
    document = {
        "schema_version": SCHEMA_VERSION,
        "doc_id": doc.doc_id,
        "source": str(path),
        "sha256": doc.sha256,
        "title": doc.title,
        "pages": len(doc.pages),
        "passages": len(records),
        "status": "ok",
        "label_counts": {label: counts.get(label, 0) for label in LABELS},
        **context.to_dict(),
    }
    return document, records


def run(inputs: Iterable[str | Path], out_dir: str | Path,
        model_dir: str | Path | None = None) -> RunSummary:
    start = time.perf_counter()
    out = Path(out_dir)
    inputs = [str(i) for i in inputs]
    model, card = load_model(model_dir)
    paths, errors = discover(inputs)
    documents, passages = [], []
    for path in paths:
        try:
            document, records = process_document(path, model)
        except ExtractionError as exc:
            errors.append(RunError(str(path), exc.kind, exc.message))
            continue
        documents.append(document)
        passages += records
    summary = RunSummary(out, documents=len(documents), failed=len(errors),
                         passages=len(passages))
    summary.label_counts = {lab: sum(d["label_counts"][lab] for d in documents) for lab in LABELS}
    write_jsonl(out / "passages.jsonl", passages)
    write_jsonl(out / "documents.jsonl", documents)
    write_jsonl(out / "errors.jsonl", [e.to_dict() for e in errors])
    summary.seconds = time.perf_counter() - start
    write_json(out / "manifest.json", {
        "schema_version": SCHEMA_VERSION,
        "cspr_version": __version__,
        "versions": library_versions(),
        "model": {"model_id": card.get("model_id"), "sha256": card["artefacts"]},
        "inputs": inputs,
        "counts": {"documents": summary.documents, "failed": summary.failed,
                   "passages": summary.passages, "labels": summary.label_counts},
        "timings": {"total_seconds": round(summary.seconds, 3)},
    })
    return summary
