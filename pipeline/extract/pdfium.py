"""The fast engine: pypdfium2 text rectangles grouped into lines.

Measured on this project's sample reviews, pdfium returns text with positions in
about 1-2 ms a page against ~90 ms for pdfplumber's ``extract_text`` (which parses
every character in Python), so it is the default engine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pypdfium2 as pdfium

from pipeline.extract.errors import ExtractionError
from pipeline.records import Document, Line, Page


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        msg = str(exc)
        if "password" in msg.lower():
            raise ExtractionError("encrypted", "the PDF is password-protected") from exc
        raise ExtractionError("corrupt_pdf", f"pdfium could not parse the PDF: {msg}") from exc


def _page_lines(page: pdfium.PdfPage, height: float) -> list[Line]:
    textpage = page.get_textpage()
    try:
        runs: list[tuple[float, float, float, float, str]] = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            text = text.replace("\r", " ").replace("\n", " ")
            if text.strip():
                runs.append((left, height - top, right, height - bottom, text))
    finally:
        textpage.close()
    runs.sort(key=lambda r: (round(r[1] + (r[3] - r[1]) / 2), r[0]))
    lines: list[Line] = []
    group: list[tuple[float, float, float, float, str]] = []

    def flush() -> None:
        if not group:
            return
        group.sort(key=lambda r: r[0])
        text = group[0][4]
        for prev, cur in zip(group, group[1:], strict=False):
            gap = cur[0] - prev[2]
            text += (" " if gap > 1.0 and not text.endswith(" ") else "") + cur[4]
        top = min(r[1] for r in group)
        bottom = max(r[3] for r in group)
        lines.append(Line(" ".join(text.split()), group[0][0], top,
                          max(r[2] for r in group), bottom, bottom - top))
        group.clear()

    for run in runs:
        if group:
            mid = (run[1] + run[3]) / 2
            g_top = min(r[1] for r in group)
            g_bottom = max(r[3] for r in group)
            if not (g_top - 1 <= mid <= g_bottom + 1):
                flush()
        group.append(run)
    flush()
    return lines


def extract_pdf(path: str | Path, doc_id: str | None = None) -> Document:
    path = Path(path)
    digest = file_sha256(path)
    pdf = _open(path)
    try:
        n = len(pdf)
        if n == 0:
            raise ExtractionError("no_pages", "the PDF has no pages")
        pages: list[Page] = []
        for i in range(n):
            page = pdf[i]
            try:
                width, height = page.get_size()
                pages.append(Page(i + 1, width, height, _page_lines(page, height)))
            finally:
                page.close()
        title = (pdf.get_metadata_value("Title") or "").strip() or None
    finally:
        pdf.close()
    return Document(doc_id or digest[:16], str(path), digest, pages, title, engine="pdfium")
