"""The seed corpus: its validator catches what it should, and the shipped files agree."""

from __future__ import annotations

import copy
import json

import pytest

from pipeline.corpus.build import labelled_records, make_splits
from pipeline.corpus.check import check_sources
from pipeline.corpus.sources import CORPUS_DIR, ReviewSource, load_sources
from pipeline.records import LABELS


@pytest.fixture(scope="module")
def reviews() -> list[ReviewSource]:
    return load_sources()


def test_corpus_passes_its_own_check_and_meets_its_size(reviews) -> None:
    report = check_sources(reviews)
    assert report.ok, report.errors[:5]
    paras = [p for r in reviews for _s, p in r.paragraphs]
    assert len(reviews) >= 40 and len(paras) >= 2400
    assert len({r.style for r in reviews}) >= 6
    assert {r.child["age_band"] for r in reviews} == {"under_5", "5_to_10", "11_to_17"}
    for label in LABELS:
        assert sum(label in p.labels for p in paras) >= 300, label
    unlabelled = sum(not p.labels for p in paras) / len(paras)
    assert 0.35 <= unlabelled <= 0.6


def test_shipped_passages_are_generated_from_the_sources(reviews) -> None:
    expected = labelled_records(reviews, make_splits(reviews))
    path = CORPUS_DIR / "labelled" / "passages.jsonl"
    shipped = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert shipped == expected, "run `cspr corpus build` after editing sources"


def test_split_holds_out_whole_styles_and_never_splits_a_review(reviews) -> None:
    splits = make_splits(reviews)
    by_style: dict[str, set[str]] = {}
    for r in reviews:
        by_style.setdefault(r.style, set()).add(splits[r.doc_id])
    assert sum(1 for s in by_style.values() if s == {"test"}) >= 2
    assert all("train" in s for style, s in by_style.items() if s != {"test"})


def _broken(reviews: list[ReviewSource], edit) -> list[str]:
    bad = [copy.deepcopy(r) for r in reviews[:3]]
    edit(bad)
    return check_sources(bad).errors


def _replace_paragraph(review: ReviewSource, index: int, **changes) -> None:
    from dataclasses import replace

    section = review.sections[0]
    paras = list(section.paragraphs)
    paras[index] = replace(paras[index], **changes)
    review.sections[0] = replace(section, paragraphs=tuple(paras))


def test_validator_refuses_unknown_labels_empty_and_duplicate_paragraphs(reviews) -> None:
    errors = _broken(reviews, lambda b: _replace_paragraph(b[0], 0, labels=("self_harm",)))
    assert any("unknown label" in e for e in errors)
    errors = _broken(reviews, lambda b: _replace_paragraph(b[0], 0, text="   "))
    assert any("empty paragraph" in e for e in errors)
    dup = reviews[0].sections[0].paragraphs[1].text
    errors = _broken(reviews, lambda b: _replace_paragraph(b[0], 0, text=dup))
    assert any("duplicate" in e for e in errors)


def test_validator_finds_template_leakage_across_reviews(reviews) -> None:
    source = reviews[0].sections[0].paragraphs[0].text
    near = source.replace(".", ";", 1) + " This was noted."

    def edit(b):
        _replace_paragraph(b[1], 0, text=near)

    errors = _broken(reviews, edit)
    assert any("near-duplicate" in e for e in errors)


def test_validator_refuses_preschool_label_in_an_older_childs_review(reviews) -> None:
    older = next(r for r in reviews if r.child["age_band"] == "11_to_17")
    bad = copy.deepcopy(older)
    _replace_paragraph(bad, 0, labels=("preschool_parental_mh",))
    assert any("preschool_parental_mh in a review" in e for e in check_sources([bad]).errors)
