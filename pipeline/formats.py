"""Labelled passages in: the codebook's JSONL (more formats arrive with retraining)."""

from __future__ import annotations

from pathlib import Path

from pipeline.io import read_jsonl
from pipeline.records import LABELS, LabelledPassage


class LabelError(ValueError):
    """A labelled file names a label outside the codebook, or is not readable."""


def read_codebook_jsonl(path: str | Path) -> list[LabelledPassage]:
    out = []
    for i, rec in enumerate(read_jsonl(path), 1):
        if not isinstance(rec.get("text"), str) or not isinstance(rec.get("labels"), list):
            raise LabelError(f"{path}: record {i}: codebook JSONL needs 'text' and 'labels'")
        unknown = [lab for lab in rec["labels"] if lab not in LABELS]
        if unknown:
            raise LabelError(f"{path}: record {i}: label(s) {unknown} are not in the codebook "
                             f"({', '.join(LABELS)})")
        out.append(LabelledPassage(rec["text"], list(dict.fromkeys(rec["labels"])),
                                   rec.get("doc_id"), dict(rec.get("meta") or {})))
    return out


def read_labelled(path: str | Path) -> tuple[str, list[LabelledPassage]]:
    """(format name, passages) for one labelled file."""
    return "codebook-jsonl", read_codebook_jsonl(path)
