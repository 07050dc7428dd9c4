"""Generate the corpus's derived files from its sources.

``corpus/labelled/passages.jsonl`` (the codebook's format), ``corpus/splits.json``
(train/test by review with whole house styles held out) and the sample PDFs.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.corpus.sources import CORPUS_DIR, ReviewSource
from pipeline.io import write_json, write_jsonl

# Whole house styles kept out of training, so the test score is on unseen styles,
# plus every fifth review (by doc_id) of the remaining styles, for unseen reviews.
TEST_STYLES = ("welsh_cpr", "narrative_learning")
SAMPLE_DOCS = 7


def make_splits(reviews: list[ReviewSource]) -> dict[str, str]:
    splits: dict[str, str] = {}
    by_style: dict[str, list[str]] = {}
    for r in reviews:
        by_style.setdefault(r.style, []).append(r.doc_id)
    for style, ids in by_style.items():
        for i, doc_id in enumerate(sorted(ids)):
            held = style in TEST_STYLES or i % 5 == 4
            splits[doc_id] = "test" if held else "train"
    return splits


def labelled_records(reviews: list[ReviewSource], splits: dict[str, str]) -> list[dict]:
    """The codebook's passage records, each with its review's split in ``meta``."""
    records = []
    for r in reviews:
        for lp in r.labelled_passages():
            rec = lp.to_dict()
            rec["meta"]["split"] = splits[r.doc_id]
            records.append(rec)
    return records


def build(reviews: list[ReviewSource], root: Path = CORPUS_DIR, pdfs: bool = True) -> dict:
    splits = make_splits(reviews)
    n = write_jsonl(root / "labelled" / "passages.jsonl", labelled_records(reviews, splits))
    write_json(root / "splits.json", {
        "rule": f"test = every review in styles {list(TEST_STYLES)} plus every fifth review "
                "(sorted by doc_id) of each other style; the rest train",
        "test_styles": list(TEST_STYLES),
        "splits": dict(sorted(splits.items())),
    })
    samples: list[str] = []
    if pdfs:
        from pipeline.corpus.render import render_pdf

        chosen = _sample_reviews(reviews, splits)
        out_dir = root / "samples"
        for old in out_dir.glob("*.pdf"):
            old.unlink()
        for r in chosen:
            samples.append(str(render_pdf(r, out_dir / f"{r.doc_id}.pdf")))
    return {"passages": n, "reviews": len(reviews), "samples": samples}


def _sample_reviews(reviews: list[ReviewSource], splits: dict[str, str]) -> list[ReviewSource]:
    """One short review per style, from the test split where the style has one.

    The demo run then shows the shipped model on reviews it was not trained on.
    """
    by_style: dict[str, ReviewSource] = {}
    for r in sorted(reviews, key=lambda r: (splits[r.doc_id] != "test", len(r.paragraphs))):
        by_style.setdefault(r.style, r)
    chosen = sorted(by_style.values(), key=lambda r: (splits[r.doc_id] != "test", r.doc_id))
    return sorted(chosen[:SAMPLE_DOCS], key=lambda r: r.doc_id)
