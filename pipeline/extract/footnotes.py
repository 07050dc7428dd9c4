"""Footnotes at the foot of a page: kept out of body text, emitted as kind "footnote".

Read from the bottom of the page up (furniture already removed): lines set smaller
than the body text, each note starting with its mark, one line per row (a table
row at the foot of a page has cells beside it, a footnote has not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.records import Line

NOTE_START = re.compile(r"^(?P<mark>\d{1,3}|[*†‡§])(?:\s+|(?=[A-Z(\"'“‘]))(?P<text>\S.*)$")
SMALL = 0.92  # footnotes are set smaller than this share of the body size


@dataclass(slots=True)
class Footnote:
    mark: str
    indices: list[int]  # line indices on the page, top to bottom


def find_footnotes(lines: list[Line], candidates: list[int], body_size: float,
                   page_height: float) -> list[Footnote]:
    """Footnotes among ``candidates`` (indices of non-furniture lines, any order)."""
    order = sorted(candidates, key=lambda i: (lines[i].top, lines[i].x0))
    block: list[int] = []
    for i in reversed(order):
        line = lines[i]
        beside = any(j != i and _same_row(lines[j], line) for j in candidates)
        if line.size > body_size * SMALL or beside or line.top < page_height * 0.45:
            break
        block.insert(0, i)
    while block and not NOTE_START.match(lines[block[0]].text):
        block.pop(0)  # the block must open with a mark; smaller text above is not a note
    notes: list[Footnote] = []
    for i in block:
        m = NOTE_START.match(lines[i].text)
        if m and (not notes or lines[i].x0 <= lines[notes[-1].indices[0]].x0 + 2):
            notes.append(Footnote(m.group("mark"), [i]))
        else:
            notes[-1].indices.append(i)
    return notes


def _same_row(a: Line, b: Line) -> bool:
    return min(a.bottom, b.bottom) - max(a.top, b.top) > 0.3 * (b.bottom - b.top)
