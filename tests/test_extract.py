"""Extraction: positioned lines, superscript marks, cells, text-layer reports, input errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import ExtractionError, extract
from pipeline.extract.lines import Run, runs_to_lines

PDFS = Path(__file__).parent / "fixtures" / "pdfs"


def test_lines_carry_font_size_baseline_and_page_text() -> None:
    doc = extract(PDFS / "cl-01-baby-r-wp.pdf")
    assert doc.engine == "pdfium" and len(doc.pages) >= 8
    page = doc.pages[2]
    assert page.text.count("\n") == len(page.lines) - 1
    body = [ln for ln in page.lines if ln.text.startswith("1.1")]
    assert body and body[0].size == pytest.approx(11.0, abs=0.2) and body[0].baseline > 0
    headings = [ln for ln in page.lines if ln.text == "1. Introduction"]
    assert headings and headings[0].bold


@pytest.mark.parametrize("name", ["cl-01-baby-r-wp.pdf", "cl-01-baby-r-single.pdf",
                                  "cl-01-baby-r-two_column.pdf"])
def test_superscript_footnote_marks_are_recorded(name: str) -> None:
    doc = extract(PDFS / name)
    marked = [(ln.text, s, e) for p in doc.pages for ln in p.lines for s, e in ln.marks]
    assert len(marked) == 4  # the source has four footnote references
    assert all(text[s:e].isdigit() for text, s, e in marked)
    assert any(text[:s].endswith("guidance") for text, s, e in marked)


def _run(text: str, x0: float, x1: float, base: float = 100.0, size: float = 10.0) -> Run:
    return Run(text, x0, base - 0.8 * size, x1, base + 0.2 * size, size, False, base)


def test_superscript_joins_its_line_and_is_marked() -> None:
    lines = runs_to_lines([_run("the partners", 72, 130), _run("2", 130.5, 134, base=96.5,
                                                                 size=6.5),
                           _run(" agreed.", 134, 170)])
    assert len(lines) == 1
    line = lines[0]
    assert line.text == "the partners2 agreed."
    assert line.marks == ((12, 13),)


def test_wide_gaps_split_cells_but_markers_stay_with_text() -> None:
    cells = runs_to_lines([_run("12.11.2019", 72, 120), _run("Midwifery", 160, 200),
                           _run("Booking appointment.", 240, 330)])
    assert [c.text for c in cells] == ["12.11.2019", "Midwifery", "Booking appointment."]
    numbered = runs_to_lines([_run("2.1", 72, 84), _run("The review covers", 101, 190)])
    assert [c.text for c in numbered] == ["2.1 The review covers"]
    bullet = runs_to_lines([_run("•", 83, 86), _run("How did practitioners", 100, 200)])
    assert [c.text for c in bullet] == ["• How did practitioners"]


def test_scanned_page_is_reported() -> None:
    doc = extract(PDFS / "scanned-page-2.pdf")
    assert doc.pages_without_text == [2]
    assert doc.text_layer == "partial"
    assert extract(PDFS / "cl-01-baby-r-single.pdf").text_layer == "full"


def test_document_without_text_layer_raises() -> None:
    with pytest.raises(ExtractionError) as err:
        extract(PDFS / "scanned-only.pdf")
    assert err.value.kind == "no_text_layer"


@pytest.mark.parametrize(("content", "kind"), [(b"", "empty_file"), (b"hello", "not_pdf"),
                                               (b"%PDF-1.4\ngarbage", "corrupt_pdf")])
def test_bad_inputs_raise_typed_errors(tmp_path: Path, content: bytes, kind: str) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    with pytest.raises(ExtractionError) as err:
        extract(path)
    assert err.value.kind == kind
