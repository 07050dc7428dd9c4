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


def _similar(a: float, b: float) -> bool:
    return min(a, b) >= 0.85 * max(a, b)


def _by_baseline(runs: list[Run]) -> list[list[Run]]:
    """Runs of similar size on one baseline (tight boxes would chain a table cell's lines)."""
    rows: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (r.baseline or r.bottom, r.x0)):
        base = run.baseline or run.bottom
        for row in reversed(rows[-4:]):
            head = row[0]
            if _similar(head.size, run.size) and \
                    abs((head.baseline or head.bottom) - base) <= 0.25 * max(head.size, run.size):
                row.append(run)
                break
        else:
            rows.append([run])
    return rows


def _host(mark: list[Run], rows: list[list[Run]]) -> list[Run] | None:
    """The row a raised small run belongs to: just below it, ending nearest to its left."""
    run = mark[0]
    best, best_gap = None, 1e9
    for row in rows:
        head = max(row, key=lambda r: r.size)
        if row is mark or run.size >= 0.85 * head.size:
            continue
        if not (head.baseline - 0.7 * head.size <= run.baseline < head.baseline):
            continue
        for other in row:
            gap = run.x0 - other.x1
            if -1.0 <= gap < best_gap:
                best, best_gap = row, gap
    return best if best_gap <= 0.5 * run.size + 1 else None


def group_rows(runs: list[Run]) -> list[list[Run]]:
    """Runs on one baseline, with each superscript joined to the text it follows, top to bottom."""
    rows = _by_baseline(runs)
    kept: list[list[Run]] = []
    for row in rows:
        short = all(len(r.text.strip()) <= 4 for r in row)
        host = _host(row, rows) if short and len(row) == 1 else None
        if host is not None:
            host.append(row[0])
        else:
            kept.append(row)
    return sorted(kept, key=lambda row: (min(r.top for r in row), min(r.x0 for r in row)))


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
        marker = (len(prev) == 1 and gap < 4 * size
                  and MARKER.match(prev[0].text.strip() or "x"))
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
