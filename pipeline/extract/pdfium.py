"""The engine: pypdfium2 text objects as positioned runs, grouped into lines.

Why pdfium and why this way (measured on rendered reviews, see
``benchmarks/bench_extract.py``): pdfplumber's ``extract_text`` parses every
character in Python (~70-90 ms a page); pdfium does the parsing in C. Per-character
calls from Python (``FPDFText_GetCharBox`` for every char) cost ~4 ms a page and
``get_text_bounded`` per rectangle rescans the page each time (quadratic on
word-per-object PDFs). So we ask pdfium for its rectangles (one per text object),
find each rectangle's first character once (``GetCharIndexAtPos``), cut the page
text (one ``GetText`` call) at those indices, and read font size, weight and
baseline for that first character only: ~1.5 ms a page, with boxes, sizes and
superscripts enough for the layout logic. Pages are closed as soon as they are
read, so memory stays flat however long the document.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from pipeline.extract.errors import ExtractionError
from pipeline.extract.lines import Run, runs_to_lines
from pipeline.io import sha256_file
from pipeline.records import Document, Page

_BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demi")



def _open(path: Path) -> pdfium.PdfDocument:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError("unreadable_path", f"cannot read file: {exc}") from exc
    if size == 0:
        raise ExtractionError("empty_file", "the file is empty (0 bytes)")
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise ExtractionError("not_pdf", "the file does not start with a PDF header")
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        kind, message = _diagnose(path, str(exc))
        raise ExtractionError(kind, message) from exc


def _diagnose(path: Path, pdfium_message: str) -> tuple[str, str]:
    """Why pdfium refused a file, asked of pdfminer.

    pdfium's last-error code is process-wide and is not set for every refusal (a PDF
    with no pages leaves the previous file's error in place), so it cannot be trusted
    to tell an encrypted file from a page-less or broken one. Only refused files pay for
    this second, slower parse.
    """
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    try:
        with open(path, "rb") as fh:
            pages = sum(1 for _ in PDFPage.create_pages(PDFDocument(PDFParser(fh))))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        return "encrypted", "the PDF is password-protected"
    except Exception as exc:  # noqa: BLE001 - any parser failure means a broken file
        return "corrupt_pdf", f"the PDF cannot be parsed ({type(exc).__name__}: {exc})"[:300]
    if pages == 0:
        return "no_pages", "the PDF has no pages"
    return "corrupt_pdf", f"pdfium could not parse the PDF: {pdfium_message}"


class _FontReader:
    """Font size, boldness and baseline of one character, with reusable C buffers."""

    def __init__(self) -> None:
        self.name = ctypes.create_string_buffer(128)
        self.flags = ctypes.c_int()
        self.x = ctypes.c_double()
        self.y = ctypes.c_double()
        self._bold: dict[bytes, bool] = {}

    def read(self, textpage: pdfium.PdfTextPage, index: int) -> tuple[float, bool, float]:
        size = raw.FPDFText_GetFontSize(textpage, index)
        raw.FPDFText_GetFontInfo(textpage, index, self.name, 128, self.flags)
        key = self.name.value
        bold = self._bold.get(key)
        if bold is None:  # once per font: by name, else by the weight pdfium reports
            bold = any(b in key.decode("latin-1").lower() for b in _BOLD_NAMES) \
                or raw.FPDFText_GetFontWeight(textpage, index) >= 600
            self._bold[key] = bold
        raw.FPDFText_GetCharOrigin(textpage, index, self.x, self.y)
        return float(size), bold, float(self.y.value)


class _CharBoxes:
    """Checks whether a character's box lies inside a rectangle (reusable C buffers)."""

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.textpage = textpage
        self.box = [ctypes.c_double() for _ in range(4)]

    def inside(self, index: int, rect: tuple[float, float, float, float]) -> bool:
        left, right, bottom, top = self.box
        if not raw.FPDFText_GetCharBox(self.textpage, index, left, right, bottom, top):
            return False
        if right.value - left.value <= 0 or top.value - bottom.value <= 0:
            return False
        cx, cy = (left.value + right.value) / 2, (bottom.value + top.value) / 2
        return rect[0] - 0.5 <= cx <= rect[2] + 0.5 and rect[1] - 0.5 <= cy <= rect[3] + 0.5


def _first_char(boxes: _CharBoxes, rect: tuple[float, float, float, float], lo: int) -> int:
    """Index of the rectangle's first character (rectangles come in character order).

    Probes near the left edge and checks the hit lies in the rectangle (pdfium can
    answer with a neighbour when the edge is a boxless space), then steps back over
    any earlier characters of the same rectangle.
    """
    left, bottom, right, top = rect
    width = right - left
    for x in (left + min(1.0, width / 2), left + width * 0.25, left + width * 0.5):
        idx = raw.FPDFText_GetCharIndexAtPos(boxes.textpage, x, (bottom + top) / 2, 1.0, 1.0)
        if idx >= lo and boxes.inside(idx, rect):
            break
    else:
        return -1
    while idx - 1 >= lo and boxes.inside(idx - 1, rect):
        idx -= 1
    return idx


def _runs(textpage: pdfium.PdfTextPage, height: float, fonts: _FontReader) -> list[Run]:
    n = textpage.count_rects()
    if n == 0:
        return []
    rects = [textpage.get_rect(i) for i in range(n)]
    boxes = _CharBoxes(textpage)
    starts: list[int] = []
    lo = 0
    for rect in rects:
        idx = _first_char(boxes, rect, lo)
        starts.append(idx)
        lo = idx + 1 if idx >= 0 else lo
    known = sorted({i for i in starts if i >= 0})
    full = textpage.get_text_range()
    nxt = {a: b for a, b in zip(known, known[1:] + [len(full)], strict=True)}
    runs: list[Run] = []
    for (left, bottom, right, top), idx in zip(rects, starts, strict=True):
        if idx >= 0:
            text = full[idx:nxt[idx]]
            size, bold, base_y = fonts.read(textpage, idx)
        else:  # no character found at the rectangle's edge: ask pdfium for its text
            text = textpage.get_text_bounded(left, bottom, right, top)
            size, bold, base_y = top - bottom, False, bottom
        # pdfium marks a line-end hyphen as \x02 (its own rectangle) or \ufffe (in the text)
        text = text.replace("\r", " ").replace("\n", " ").replace("\x02", "-")
        text = text.replace("\ufffe", "-")
        if text.strip():
            runs.append(Run(text, left, height - top, right, height - bottom,
                            size or (top - bottom), bold, height - base_y))
    return runs


def _has_images(page: pdfium.PdfPage) -> bool:
    for i in range(raw.FPDFPage_CountObjects(page)):
        if raw.FPDFPageObj_GetType(raw.FPDFPage_GetObject(page, i)) == raw.FPDF_PAGEOBJ_IMAGE:
            return True
    return False


def extract_pdf(path: str | Path, doc_id: str | None = None) -> Document:
    """Read every page's lines; report drawn pages with no text; fail if none has text."""
    path = Path(path)
    digest = sha256_file(path)
    pdf = _open(path)
    fonts = _FontReader()
    try:
        n = len(pdf)
        if n == 0:
            raise ExtractionError("no_pages", "the PDF has no pages")
        pages: list[Page] = []
        for i in range(n):
            page = pdf[i]
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                try:
                    lines = runs_to_lines(_runs(textpage, height, fonts))
                finally:
                    textpage.close()
                record = Page(i + 1, width, height, lines)
                if not record.has_text:
                    record.has_images = _has_images(page)
                pages.append(record)
            finally:
                page.close()
        title = (pdf.get_metadata_value("Title") or "").strip() or None
    finally:
        pdf.close()
    no_text = [p.number for p in pages if not p.has_text and p.has_images]
    if not any(p.has_text for p in pages):
        raise ExtractionError(
            "no_text_layer",
            f"none of the {n} pages has a text layer (scanned? OCR the PDF first)")
    return Document(doc_id or digest[:16], str(path), digest, pages, title, engine="pdfium",
                    pages_without_text=no_text)
