"""Table rows (chronologies, designations, glossaries) kept apart from paragraphs.

Within one column's lines in reading order, a row with two or more cells side by
side opens or continues a table when its cells start at the table's column
positions; a band continues the row above when it has no first-column cell, or when it leaves a
column empty and sits at a wrapped line's distance (a new row fills every column or
is set further down by cell padding); the lines
that follow belong to the current row while they sit in a
column after the first (a wrapped event cell) close below it. A table needs two
rows, or one row of three cells, so one wide gap in a justified line is no table.
Each row becomes one passage of kind "table_row", cells joined with " | ".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.records import Line

ALIGN = 4.0  # points within which cell starts count as one column
ROW_PITCH = 1.5  # baseline step (in font sizes) beyond which a first-column line opens a row


@dataclass(slots=True)
class TableRow:
    cells: list[list[int]] = field(default_factory=list)  # line indices per column

    @property
    def indices(self) -> list[int]:
        return [i for cell in self.cells for i in cell]


def _bands(lines: list[Line], seq: list[int]) -> list[list[int]]:
    bands: list[list[int]] = []
    for i in seq:
        ln = lines[i]
        if bands and any(min(ln.bottom, lines[j].bottom) - max(ln.top, lines[j].top)
                         > 0.3 * (ln.bottom - ln.top) for j in bands[-1]):
            bands[-1].append(i)
        else:
            bands.append([i])
    return [sorted(b, key=lambda i: lines[i].x0) for b in bands]


def _column(starts: list[float], x0: float) -> int:
    col = 0
    for j, s in enumerate(starts):
        if s <= x0 + ALIGN:
            col = j
    return col


def find_tables(lines: list[Line], seq: list[int]) -> list[TableRow]:
    """Table rows among ``seq`` (line indices of one column, in reading order)."""
    tables: list[list[TableRow]] = []
    current: list[TableRow] = []
    starts: list[float] = []
    last_bottom = 0.0
    last_base = 0.0

    def close() -> None:
        nonlocal current, starts
        if len(current) >= 2 or (current and len(current[0].cells) >= 3):
            tables.append(current)
        current, starts = [], []

    for band in _bands(lines, seq):
        first = lines[band[0]]
        if len(band) >= 2:
            xs = [lines[i].x0 for i in band]
            aligned = bool(starts) and all(any(abs(x - s) <= ALIGN for s in starts) for x in xs)
            if not aligned:
                close()
                starts = xs
            cols = [_column(starts, lines[i].x0) for i in band]
            pitch = first.baseline - last_base if first.baseline and last_base else 1e9
            full = len(set(cols)) == len(starts)
            if not current or (0 in cols and (full or pitch > ROW_PITCH * first.size)):
                current.append(TableRow([[] for _ in starts]))
            for i, col in zip(band, cols, strict=True):
                current[-1].cells[col].append(i)
            last_bottom = max(lines[i].bottom for i in band)
            last_base = max(lines[i].baseline for i in band)
            continue
        near = first.top - last_bottom <= 2.2 * max(first.size, 1)
        if current and near and len(starts) > 1 and first.x0 >= starts[1] - ALIGN:
            current[-1].cells[_column(starts, first.x0)].append(band[0])
            last_bottom = first.bottom
            last_base = first.baseline
        else:
            close()
    close()
    return [row for table in tables for row in table]
