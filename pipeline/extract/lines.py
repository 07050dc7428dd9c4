"""Text runs (one per PDF text object) → visual lines, whichever engine made the runs.

A run is a piece of text drawn with one font at one position. Grouping runs by
vertical overlap (not by a fixed tolerance) keeps superscript footnote marks on the
line they annotate; splitting a row at wide horizontal gaps turns table cells and
the two halves of a two-column page into separate ``Line`` objects, so layout code
sees them apart. A bullet glyph or paragraph number followed by a tab stays on its
text: those are markers, not cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.records import Line

# a marker printed apart from its text: bullets, "2.1", "iv.", "(a)"
MARKER = re.compile(
    r"^(?:[•●○◦▪■□‣⁃∙·\-–*o§\uf0b7\uf0a7\uf076\uf0d8\uf0fc]|\(?[a-z]{1,3}\)|\(?\d{1,3}\)"
    r"|(?:\d{1,3}\.){0,3}\d{1,3}\.?|[ivxlc]{1,6}\.?|[A-Z]\.)$"
)
CELL_GAP = 0.6  # a horizontal gap wider than this many font sizes separates cells/columns


@dataclass(frozen=True, slots=True)
class Run:
    """One text object's text and tight box (top-left origin), font size and weight."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool = False
    baseline: float = 0.0


def _overlap(a_top: float, a_bot: float, b_top: float, b_bot: float) -> float:
    return min(a_bot, b_bot) - max(a_top, b_top)


def _same_row(run: Run, base: float, size: float, top: float, bot: float) -> bool:
    """On the row's baseline, or a smaller raised run (a superscript) touching the row."""
    if run.baseline and base:
        if abs(run.baseline - base) <= 0.25 * max(size, run.size):
            return True
        if run.size < 0.85 * size:  # a superscript after its line's text
            return base - 0.7 * size <= run.baseline < base
        return size < 0.85 * run.size and run.baseline - 0.7 * run.size <= base < run.baseline
    h = max(run.bottom - run.top, 0.5)
    return _overlap(top, bot, run.top, run.bottom) >= 0.3 * min(h, max(bot - top, 0.5))


def group_rows(runs: list[Run]) -> list[list[Run]]:
    """Runs on one baseline (with their superscripts), as rows from top to bottom.

    Baselines rather than box overlap: tight boxes of a table cell's wrapped lines touch
    (descenders over ascenders) and would chain two lines into one row.
    """
    rows: list[list[Run]] = []
    keys: list[tuple[float, float, float, float]] = []  # baseline, size, top, bottom
    for run in sorted(runs, key=lambda r: (r.baseline or r.bottom, -r.size, r.x0)):
        for i in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
            base, size, top, bot = keys[i]
            if _same_row(run, base, size, top, bot):
                rows[i].append(run)
                if run.size > size:  # the row so far held only a superscript
                    base, size = run.baseline, run.size
                keys[i] = (base, size, min(top, run.top), max(bot, run.bottom))
                break
        else:
            rows.append([run])
            keys.append((run.baseline, run.size, run.top, run.bottom))
    order = sorted(range(len(rows)), key=lambda i: (keys[i][2], keys[i][0]))
    return [rows[i] for i in order]


def _is_superscript(run: Run, main: Run) -> bool:
    """A short run raised well above the main text's baseline and set smaller."""
    text = run.text.strip()
    if not text or len(text) > 4 or not re.fullmatch(r"[\dA-Za-z*†‡§]+", text):
        return False
    smaller = run.size < main.size * 0.85 or (run.bottom - run.top) < (main.bottom - main.top) * 0.8
    if run.baseline and main.baseline:
        raised = run.baseline < main.baseline - 0.2 * main.size
    else:
        raised = run.bottom < main.bottom - 0.2 * main.size
    return smaller and raised


def _cells(row: list[Run]) -> list[list[Run]]:
    row = sorted(row, key=lambda r: r.x0)
    cells: list[list[Run]] = [[row[0]]]
    for run in row[1:]:
        prev = cells[-1]
        gap = run.x0 - max(r.x1 for r in prev)
        size = max(r.size for r in prev + [run]) or 10.0
        marker = len(prev) == 1 and MARKER.match(prev[0].text.strip() or "x")
        if gap > CELL_GAP * size and not marker:
            cells.append([run])
        else:
            prev.append(run)
    return cells


def _line(cell: list[Run]) -> Line:
    main = max(cell, key=lambda r: (len(r.text.strip()), r.size))
    text = ""
    marks: list[tuple[int, int]] = []
    prev: Run | None = None
    for run in cell:
        piece = " ".join(run.text.split())
        if not piece:
            continue
        sup = prev is not None and _is_superscript(run, main)
        spaced = prev is not None and (run.x0 - prev.x1 > 0.15 * main.size
                                        or run.text[:1].isspace())
        if spaced and text and not text.endswith(" ") and not sup:
            text += " "
        if sup:
            marks.append((len(text), len(text) + len(piece)))
        text += piece
        prev = run
    chars = sum(len(r.text) for r in cell) or 1
    bold = sum(len(r.text) for r in cell if r.bold) * 2 > chars
    return Line(text=text, x0=min(r.x0 for r in cell), top=min(r.top for r in cell),
                x1=max(r.x1 for r in cell), bottom=max(r.bottom for r in cell), size=main.size,
                bold=bold, baseline=main.baseline, marks=tuple(marks))


def runs_to_lines(runs: list[Run]) -> list[Line]:
    """Visual lines (one per cell or column piece) in top-to-bottom, left-to-right order."""
    lines: list[Line] = []
    for row in group_rows([r for r in runs if r.text.strip()]):
        lines += [_line(cell) for cell in _cells(row)]
    return [line for line in lines if line.text]
