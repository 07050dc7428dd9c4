"""What to label next: the passages of a run the model is least sure about.

Uncertainty sampling, with two guards that matter for labelling effort: picks are
spread across reviews (round-robin, optionally capped), because one odd review
otherwise takes every slot; and near-duplicates (TF-IDF cosine above 0.8) are kept
once, because labelling the same boilerplate twice teaches the model nothing.

The output is plain text tasks (JSONL with ``text``, ``doc_id``, ``meta``; or CSV)
that Prodigy, doccano and Label Studio import, and that ``cspr train`` reads back
once labels are added.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.formats import load_labelled, text_key
from pipeline.io import read_json, read_jsonl, write_jsonl, write_text
from pipeline.records import LABELS
from pipeline.store import DEFAULT_MODEL_DIR, read_card

NEAR_DUPLICATE = 0.8
MIN_CHARS = 40  # headings and fragments that slipped through are not worth a labeller's time
CSV_COLUMNS = ("text", "labels", "doc_id", "passage_id", "suggested_labels", "uncertain_labels",
               "margin")


@dataclass(slots=True)
class Suggestions:
    out: Path
    records: list[dict[str, Any]]
    thresholds_from: str
    candidates: int
    skipped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        reviews = len({r["doc_id"] for r in self.records})
        margins = [r["meta"]["margin"] for r in self.records]
        lines = [f"{len(self.records)} passages from {reviews} reviews -> {self.out} "
                 f"(of {self.candidates} candidates; thresholds: {self.thresholds_from})"]
        if margins:
            lines.append(f"distance to threshold: {min(margins):.3f} to {max(margins):.3f}")
        lines += [f"  skipped {n}: {why}" for why, n in self.skipped.items() if n]
        lines.append("label them (add 'labels', or import into Prodigy/doccano/Label Studio), "
                     "then: cspr train LABELLED --out models/NAME")
        return "\n".join(lines)


def find_run_model(manifest: dict[str, Any], models_root: Path | None = None
                   ) -> tuple[dict[str, Any] | None, str]:
    """The card of the model that coded a run, found by its artefact hashes (not its name,
    which --set-default can make ambiguous)."""
    wanted = (manifest.get("model") or {}).get("sha256")
    root = models_root or DEFAULT_MODEL_DIR.parent
    if wanted and root.is_dir():
        for card_path in sorted(root.glob("*/card.json")):
            card = read_card(card_path.parent)
            if card.get("artefacts") == wanted:
                return card, str(card_path.parent)
    return None, "none found: 0.5 for every label"


def thresholds_of(card: dict[str, Any] | None) -> np.ndarray:
    t = (card or {}).get("thresholds") or {}
    return np.array([float(t.get(lab, 0.5)) for lab in LABELS])


def uncertainty(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Distance of the least certain label's score from its threshold (small = unsure)."""
    return np.min(np.abs(scores - thresholds), axis=1)


def pick(texts: Sequence[str], doc_ids: Sequence[str], margins: np.ndarray, n: int,
         per_review: int | None = None, near_duplicate: float = NEAR_DUPLICATE) -> list[int]:
    """Indices of up to ``n`` passages: most uncertain first, round-robin over reviews.

    Each round visits the reviews in order of their most uncertain remaining passage
    and takes one from each; a passage too similar to one already taken is dropped.
    """
    if n <= 0 or not len(texts):
        return []
    queues: dict[str, list[int]] = {}
    for i in np.argsort(margins, kind="stable"):
        queues.setdefault(doc_ids[i], []).append(int(i))
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    chosen: list[int] = []
    taken = {doc: 0 for doc in queues}
    while len(chosen) < n:
        live = [d for d, q in queues.items() if q and (per_review is None or taken[d] < per_review)]
        if not live:
            break
        live.sort(key=lambda d: margins[queues[d][0]])
        for doc in live:
            if len(chosen) >= n:
                break
            while queues[doc]:
                i = queues[doc].pop(0)
                if chosen and (vec[chosen] @ vec[i].T).max() > near_duplicate:
                    continue
                chosen.append(i)
                taken[doc] += 1
                break
    return chosen


def to_task(p: dict[str, Any], margin: float, thresholds: np.ndarray,
            model_id: str | None) -> dict[str, Any]:
    """A plain text task: what annotation tools import, and what train reads once labelled."""
    scores = p.get("scores") or {}
    near = [lab for lab, t in zip(LABELS, thresholds, strict=True)
            if abs(float(scores.get(lab, 0.0)) - t) <= margin + 1e-9]
    meta = {"passage_id": p.get("passage_id"), "source": p.get("source"), "page": p.get("page"),
            "section": p.get("section"), "model": model_id or p.get("model"),
            "suggested_labels": list(p.get("labels") or []),
            "scores": {lab: round(float(scores.get(lab, 0.0)), 4) for lab in LABELS},
            "uncertain_labels": near, "margin": round(float(margin), 4)}
    return {"text": p["text"], "doc_id": p.get("doc_id"),
            "meta": {k: v for k, v in meta.items() if v is not None}}


def write_tasks(path: str | Path, tasks: Sequence[dict[str, Any]], fmt: str = "jsonl") -> None:
    """JSONL tasks (no 'labels' key, so an unlabelled file cannot train by mistake), or CSV
    with an empty 'labels' column to fill in."""
    if fmt == "jsonl":
        write_jsonl(path, tasks)
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for t in tasks:
        m = t["meta"]
        writer.writerow({"text": t["text"], "labels": "", "doc_id": t.get("doc_id") or "",
                         "passage_id": m.get("passage_id", ""),
                         "suggested_labels": ";".join(m["suggested_labels"]),
                         "uncertain_labels": ";".join(m["uncertain_labels"]),
                         "margin": m["margin"]})
    write_text(path, buf.getvalue())


def suggest_from_run(run_dir: str | Path, out: str | Path, n: int = 50,
                     fmt: str | None = None, model_dir: str | Path | None = None,
                     per_review: int | None = None, exclude: Sequence[str | Path] = ()
                     ) -> Suggestions:
    """Pick ``n`` passages of a ``cspr run`` folder to label next and write them to ``out``."""
    run = Path(run_dir)
    passages_path = run / "passages.jsonl"
    if not passages_path.is_file():
        raise FileNotFoundError(f"{passages_path}: not found; RUN_DIR must be a cspr run folder")
    manifest = read_json(run / "manifest.json") if (run / "manifest.json").is_file() else {}
    if model_dir is not None:
        card, source = read_card(model_dir), str(model_dir)
    else:
        card, source = find_run_model(manifest)
    thresholds = thresholds_of(card)
    model_id = (card or {}).get("model_id") or (manifest.get("model") or {}).get("model_id")
    done = {text_key(p.text) for path in exclude for p in load_labelled(path).passages}
    skipped = {"already labelled": 0, f"shorter than {MIN_CHARS} characters": 0,
               "no scores": 0, "repeated text": 0}
    rows, seen = [], set()
    for p in read_jsonl(passages_path):
        text = p.get("text") or ""
        key = text_key(text)
        if key in done:
            skipped["already labelled"] += 1
        elif len(text.strip()) < MIN_CHARS:
            skipped[f"shorter than {MIN_CHARS} characters"] += 1
        elif not isinstance(p.get("scores"), dict):
            skipped["no scores"] += 1
        elif key in seen:
            skipped["repeated text"] += 1
        else:
            seen.add(key)
            rows.append(p)
    scores = np.array([[float(p["scores"].get(lab, 0.0)) for lab in LABELS] for p in rows]
                      ).reshape(len(rows), len(LABELS))
    margins = uncertainty(scores, thresholds)
    chosen = pick([p["text"] for p in rows], [str(p.get("doc_id")) for p in rows], margins, n,
                  per_review=per_review)
    tasks = [to_task(rows[i], float(margins[i]), thresholds, model_id) for i in chosen]
    out = Path(out)
    fmt = fmt or ("csv" if out.suffix.lower() == ".csv" else "jsonl")
    write_tasks(out, tasks, fmt)
    return Suggestions(out, tasks, source, len(rows), skipped)
