"""Title and contents pages: kept out of body passages.

A contents page is recognised by its entries (text ending in a page number, often
after a run of dot leaders) or a "Contents" title; a page before the contents
page, or a first page without a contents page, is a title page when it carries
little text and no numbered paragraph (a one-page document has no title page).
Everything is decided per page from non-furniture lines.
"""

from __future__ import annotations

import re

from pipeline.extract.numbering import read_number
from pipeline.records import Document, Line

TOC_ENTRY = re.compile(r"[A-Za-z].*?(?:[.…·_ ]{3,}|\s)\s*\d{1,3}$")
LEADERS = re.compile(r"[.…·_]{4,}")
CONTENTS_TITLE = re.compile(r"^(?:table\s+of\s+)?contents$", re.I)
TITLE_PAGE_WORDS = 120  # a title page rarely says more than this


def _is_contents(lines: list[Line]) -> bool:
    if not lines:
        return False
    entries = sum(1 for ln in lines if LEADERS.search(ln.text) or TOC_ENTRY.match(ln.text))
    titled = any(CONTENTS_TITLE.match(ln.text.strip()) for ln in lines[:3])
    return (titled and entries >= 2) or (entries >= 4 and entries >= 0.5 * len(lines))


def front_matter_pages(doc: Document, furniture: set[tuple[int, int]]) -> set[int]:
    """Numbers of the title and contents pages at the start of the document."""
    body = {p.number: [ln for i, ln in enumerate(p.lines) if (p.number, i) not in furniture]
            for p in doc.pages}
    early = [p.number for p in doc.pages[: max(6, len(doc.pages) // 6)]]
    contents = [n for n in early if _is_contents(body[n])]
    front = set(contents)
    first_contents = min(contents) if contents else None
    for n in early:
        if first_contents is not None and n >= first_contents:
            break
        words = sum(len(ln.text.split()) for ln in body[n])
        numbered = any(read_number(ln.text) for ln in body[n])
        if len(doc.pages) > 1 and words <= TITLE_PAGE_WORDS and not numbered:
            front.add(n)
        if first_contents is None:
            break  # without a contents page only the first page can be the title page
    # contents pages run on: take the pages between the first and last contents page too
    if contents:
        front.update(range(min(contents), max(contents) + 1))
    return front
