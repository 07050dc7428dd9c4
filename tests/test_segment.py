"""Segmentation: fidelity targets on rendered fixtures, and specific layout behaviours."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pipeline.corpus.fidelity import Fidelity, furniture_patterns, score
from pipeline.corpus.sources import ReviewSource, load_source
from pipeline.extract import extract
from pipeline.records import Document, Line, Page, Passage
from pipeline.segment import segment

PDFS = Path(__file__).parent / "fixtures" / "pdfs"
FIXTURES = {
    "wp": ["cl-01-baby-r", "am-03-yp4", "am-02-km"],
    "single": ["cl-01-baby-r", "nr-03-kai", "rr-01-baby-r"],
    "two_column": ["cl-01-baby-r", "wc-03-young-person-j", "sl-04-kieran"],
}


@cache
def _passages(doc_id: str, layout: str) -> tuple[ReviewSource, list[Passage]]:
    review = load_source(PDFS / "sources" / f"{doc_id}.json")
    return review, segment(extract(PDFS / f"{doc_id}-{layout}.pdf"))


@pytest.mark.parametrize("layout", list(FIXTURES))
def test_fidelity_targets(layout: str) -> None:
    total = Fidelity()
    for doc_id in FIXTURES[layout]:
        fid, _misses = score(*_passages(doc_id, layout))
        total.add(fid)
    assert total.paragraphs > 190
    assert total.intact_share >= 0.97
    assert total.furniture_leaks == 0
    assert total.para_no_accuracy >= 0.99


@pytest.mark.parametrize("layout", list(FIXTURES))
def test_no_furniture_headings_or_contents_in_passages(layout: str) -> None:
    review, passages = _passages("cl-01-baby-r", layout)
    pats = furniture_patterns(review)
    for p in passages:
        assert not any(pat.search(" ".join(p.text.split())) for pat in pats), p.text
        assert "....." not in p.text and p.text != "Contents"
    assert not any(p.text in {s.heading, f"{s.number}. {s.heading}"} for s in review.sections
                   for p in passages)
    assert min(p.page for p in passages) >= 3  # title and contents pages yield nothing


@pytest.mark.parametrize("layout", list(FIXTURES))
def test_footnotes_out_of_body_and_marks_removed(layout: str) -> None:
    review, passages = _passages("cl-01-baby-r", layout)
    notes = [p for p in passages if p.kind == "footnote"]
    # the word processor renumbers notes in text order, so compare texts, not marks
    assert sorted(" ".join(p.text.split())[:40] for p in notes) == sorted(
        t[:40] for t in review.footnotes.values())
    assert all(p.para_no and p.para_no.isdigit() for p in notes)
    body = " ".join(p.text for p in passages if p.kind != "footnote")
    assert "Statutory guidance directs" in body and "guidance1" not in body
    assert "HM Government (2018)" not in body


@pytest.mark.parametrize("layout", list(FIXTURES))
def test_table_rows_are_their_own_passages(layout: str) -> None:
    review, passages = _passages("cl-01-baby-r", layout)
    rows = [p.text for p in passages if p.kind == "table_row"]
    expected = [p.text for _s, p in review.paragraphs if p.kind == "table_row"]
    assert rows == expected
    body = [p.text for p in passages if p.kind == "body"]
    assert not any("Midwifery" in t and "|" in t for t in body)


@pytest.mark.parametrize("layout", list(FIXTURES))
def test_bullets_one_passage_per_item(layout: str) -> None:
    review, passages = _passages("cl-01-baby-r", layout)
    got = [p.text for p in passages if p.kind == "bullet"]
    want = [p.plain for _s, p in review.paragraphs if p.kind == "bullet"]
    assert got == want


def test_two_columns_read_column_by_column() -> None:
    review, passages = _passages("cl-01-baby-r", "two_column")
    numbers = [p.para_no for p in passages if p.para_no and p.kind == "body"]
    assert numbers == [p.no for _s, p in review.paragraphs if p.no]


def test_glued_and_trailing_dot_numbers_read() -> None:
    for doc_id, style in (("am-03-yp4", "glued"), ("am-02-km", "trailing_dot")):
        review, passages = _passages(doc_id, "wp")
        want = {p.no: p.plain for _s, p in review.paragraphs if p.no}
        got = {p.para_no: p.text for p in passages if p.para_no and p.kind == "body"}
        assert set(got) == set(want), style
        assert all(got[k][:20] == want[k][:20] for k in want), style


def test_sections_pages_offsets_and_sentences() -> None:
    doc = extract(PDFS / "cl-01-baby-r-wp.pdf")
    passages = segment(doc)
    p = next(p for p in passages if p.para_no == "2.1")
    assert p.section == "Terms of Reference and Methodology"
    page = doc.pages[p.page - 1]
    assert page.text[p.char_start:].startswith(p.text[:30])
    end_page = doc.pages[p.page_end - 1]
    assert end_page.text[:p.char_end].endswith(p.text[-15:])
    assert p.sentences and p.sentences[0][0] == 0 and p.sentences[-1][1] == len(p.text)
    spanning = [q for q in passages if q.page_end != q.page and q.kind == "body"]
    assert spanning, "some paragraph should run across a page break in this fixture"


# --- synthetic documents: one behaviour at a time -------------------------------------

def _line(text: str, x0: float, base: float, x1: float, size: float = 10.0) -> Line:
    return Line(text, x0, base - 8, x1, base + 2, size, False, base)


def _doc(pages: list[list[Line]]) -> Document:
    return Document("t", "t.pdf", "0" * 64,
                    [Page(i + 1, 595, 842, lines) for i, lines in enumerate(pages)])


FULL = 500.0  # right edge of full lines


def _para(no: str, words: list[str], top: float) -> list[Line]:
    lines = [_line(f"{no} {words[0]}", 72, top, FULL)]
    lines += [_line(w, 100, top + 14 * (i + 1), FULL) for i, w in enumerate(words[1:-1])]
    lines.append(_line(words[-1], 100, top + 14 * (len(words) - 1), 250))
    return lines


def _filler(top: float, n: int = 4, no: str = "3.1") -> list[Line]:
    return _para(no, ["Filler text that fills the line" for _ in range(n - 1)] + ["end."], top)


def test_hyphenation_repaired_from_document_words() -> None:
    lines = _para("1.1", ["Practitioners discussed safe-", "guarding with the non-",
                          "mobile baby's family and their wider safeguarding duties at",
                          "length."], 100)
    lines += _filler(200)
    text = segment(_doc([lines]))[0].text
    assert "safeguarding with the non-mobile baby's" in text


def test_paragraph_joined_across_page_break_and_never_merged() -> None:
    page1 = _filler(100, 8, "1.1") + _para("1.2", ["The health visitor saw Mother at",
                                                   "home and asked about her mood and",
                                                   "sleep and"], 700)
    page1[-1] = _line("sleep and", 100, 728, FULL)  # the last line of the page is full
    page2 = [_line("then recorded the answers in the notes.", 100, 100, 300)]
    page2 += [_line("The next paragraph is unnumbered and starts a new", 72, 122, FULL),
              _line("passage.", 72, 136, 120)]
    page2 += _filler(200, 8, "1.3")
    passages = segment(_doc([page1, page2]))
    p12 = next(p for p in passages if p.para_no == "1.2")
    assert p12.text.endswith("sleep and then recorded the answers in the notes.")
    assert (p12.page, p12.page_end) == (1, 2)
    nxt = passages[passages.index(p12) + 1]
    assert nxt.text == "The next paragraph is unnumbered and starts a new passage."


def test_glued_number_and_wrapped_number_like_line() -> None:
    lines = [_line("1.1This review concerns Child A, who was seen by the", 72, 100, FULL),
             _line("12 practitioners named in the appendix over time and", 100, 114, FULL),
             _line("more.", 100, 128, 140)]
    lines += _filler(160, 4, "1.2")
    passages = segment(_doc([lines]))
    assert passages[0].para_no == "1.1"
    assert passages[0].text.startswith("This review concerns Child A")
    assert "12 practitioners" in passages[0].text
    assert passages[1].para_no == "1.2"


def test_bracketed_web_notes_removed_but_other_brackets_kept() -> None:
    lines = _para("1.1", ["Working Together 2018 sets out the duties of partners.[3] The",
                          "review [2021] used the family's words and Practitioners[12] said",
                          "so."], 100)
    lines += _filler(200)
    text = segment(_doc([lines]))[0].text
    assert "partners. The review [2021] used" in text and "Practitioners said so." in text
