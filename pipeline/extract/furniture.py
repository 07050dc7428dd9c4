"""Running headers, footers and page labels, found by repetition and position.

A fixed margin fails across layouts (word-processor headers sit 1.5 cm from the
edge, reportlab's at 1.5 cm, scanned-then-OCRed ones anywhere), so a line is
furniture when it is among the outermost rows of its page and the same text
(digits and spacing ignored, so "Page 3 of 48" and "P a g e 4 | 25" repeat) sits at
about the same height on a good share of pages. A lone page label at the very top
or bottom counts even without repetition (short documents).
"""

from __future__ import annotations

import re
from collections import defaultdict

from pipeline.records import Document, Line, Page

BAND_ROWS = 3  # rows from the top and from the bottom that can hold furniture
PAGE_LABEL = re.compile(
    r"^(?:page|pg\.?|p\.)?[-–|]?#(?:(?:of|/|\|)#)?[-–|]?(?:\|?page)?$|^(?:final|draft|version)#$")


def furniture_key(text: str) -> str:
    """Text with spacing removed and digit runs folded, so page numbers compare equal."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text.lower()))


def _rows(page: Page) -> list[list[int]]:
    """Line indices grouped into rows by vertical overlap, top to bottom."""
    order = sorted(range(len(page.lines)), key=lambda i: page.lines[i].top)
    rows: list[list[int]] = []
    bottom = -1e9
    for i in order:
        line = page.lines[i]
        if rows and line.top < bottom - 0.3 * max(line.bottom - line.top, 1):
            rows[-1].append(i)
            bottom = max(bottom, line.bottom)
        else:
            rows.append([i])
            bottom = line.bottom
    return rows


def _band(page: Page) -> dict[int, str]:
    rows = _rows(page)
    out: dict[int, str] = {}
    half = page.height / 2  # on a short last page the footer is among the first rows too
    for r in rows[:BAND_ROWS]:
        out.update({i: "top" for i in r if page.lines[i].top < half})
    for r in rows[-BAND_ROWS:]:
        out.update({i: "bottom" for i in r if page.lines[i].top >= half})
    return out


def find_furniture(doc: Document) -> set[tuple[int, int]]:
    """``(page number, line index)`` of every header, footer and page-label line."""
    pages = [p for p in doc.pages if p.has_text]
    seen: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
    bands: dict[int, dict[int, str]] = {}
    for page in pages:
        bands[page.number] = band = _band(page)
        for i, where in band.items():
            line: Line = page.lines[i]
            y = line.top if where == "top" else page.height - line.bottom
            seen[(where, furniture_key(line.text))].append((page.number, i, y))
    need = max(2, round(0.3 * len(pages)))
    found: set[tuple[int, int]] = set()
    for (_where, key), hits in seen.items():
        if PAGE_LABEL.match(key):
            found.update((p, i) for p, i, _y in hits if _extreme(doc, p, i))
        if len({p for p, _i, _y in hits}) < need:
            continue
        ys = sorted(y for _p, _i, y in hits)
        mid = ys[len(ys) // 2]
        steady = [(p, i) for p, i, y in hits if abs(y - mid) <= 6]
        if len({p for p, _i in steady}) >= need:
            found.update(steady)
    return found


def _extreme(doc: Document, number: int, index: int) -> bool:
    """The line is in the topmost or bottommost row of its page."""
    page = doc.pages[number - 1]
    line = page.lines[index]
    tops = [ln.top for ln in page.lines]
    bottoms = [ln.bottom for ln in page.lines]
    return line.top <= min(tops) + 2 or line.bottom >= max(bottoms) - 2
