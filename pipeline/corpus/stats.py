"""The corpus datasheet's figures, as markdown tables (``cspr corpus stats``)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from pipeline.corpus.sources import ReviewSource
from pipeline.records import AGE_BANDS, LABELS


def _table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _row(name: str, reviews: list[ReviewSource]) -> list[object]:
    paras = [p for r in reviews for _s, p in r.paragraphs]
    c = Counter(lab for p in paras for lab in p.labels)
    none = sum(1 for p in paras if not p.labels)
    share = f"{none} ({none / len(paras):.0%})" if paras else "0"
    return [name, len(reviews), len(paras), share, *(c.get(lab, 0) for lab in LABELS)]


def datasheet(reviews: list[ReviewSource], splits: dict[str, str]) -> str:
    header = ["", "reviews", "paragraphs", "no label", *LABELS]
    out = ["### By split", _table(header, [
        _row(s, [r for r in reviews if splits.get(r.doc_id) == s]) for s in ("train", "test")
    ] + [_row("all", reviews)])]
    styles = sorted({r.style for r in reviews})
    out += ["### By house style", _table(header, [
        _row(s, [r for r in reviews if r.style == s]) for s in styles])]
    out += ["### By the child's age band", _table(header, [
        _row(b, [r for r in reviews if r.child.get("age_band") == b]) for b in AGE_BANDS])]
    words = np.array([len(p.plain.split()) for r in reviews for _s, p in r.paragraphs])
    kinds = Counter(p.kind for r in reviews for _s, p in r.paragraphs)
    harms = Counter(h for r in reviews for h in r.harm_types)
    notes = sum(1 for r in reviews for _s, p in r.paragraphs if p.notes)
    out += ["### Paragraphs", _table(["measure", "value"], [
        ["words: median / 10th / 90th percentile / max",
         f"{np.median(words):.0f} / {np.percentile(words, 10):.0f} / "
         f"{np.percentile(words, 90):.0f} / {words.max()}"],
        ["kinds", ", ".join(f"{k} {v}" for k, v in kinds.most_common())],
        ["paragraphs with a labeller's note (hard cases)", notes],
        ["harm types (reviews)", ", ".join(f"{k} {v}" for k, v in harms.most_common())],
    ])]
    return "\n\n".join(out)
