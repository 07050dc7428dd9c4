"""A document's lines sorted into what they are, in reading order.

Runs the layout steps on positioned lines (whichever engine made them): furniture,
front matter, footnotes, columns, tables. ``segment`` turns the result into
passages; nothing here reads paragraph numbers or sentences.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pipeline.extract.columns import find_gutter, fits_gutter, reading_order
from pipeline.extract.footnotes import find_footnotes
from pipeline.extract.frontmatter import front_matter_pages
from pipeline.extract.furniture import find_furniture
from pipeline.extract.tables import find_tables
from pipeline.records import Document


@dataclass(slots=True)
class Item:
    """One body line, table row or footnote, in reading order."""

    kind: str  # "body", "table_row" or "footnote"
    page: int
    lines: list[int]  # line indices on the page
    slot: str = "single"  # column slot of a body line
    cells: list[list[int]] = field(default_factory=list)  # table rows: indices per column
    mark: str | None = None  # footnotes: the note's mark


@dataclass(slots=True)
class Layout:
    items: list[Item]
    furniture: set[tuple[int, int]]
    front_matter: set[int]
    body_size: float
    right_edge: dict[str, float]  # per column slot: where full lines end
    bottom_edge: dict[str, float]  # per column slot: where the lowest body lines end
    footnote_top: dict[int, float]  # page → top of its footnote block
    footnote_marks: dict[int, set[str]]  # page → marks of the notes printed on it


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def analyse(doc: Document) -> Layout:
    furniture = find_furniture(doc)
    front = front_matter_pages(doc, furniture)
    sizes: Counter[float] = Counter()
    for page in doc.pages:
        if page.number in front:
            continue
        for i, ln in enumerate(page.lines):
            if (page.number, i) not in furniture:
                sizes[round(ln.size * 2) / 2] += len(ln.text)
    body_size = sizes.most_common(1)[0][0] if sizes else 10.0

    pages = [p for p in doc.pages if p.number not in front and p.has_text]
    notes_by_page = {}
    gutters: dict[int, float | None] = {}
    for page in pages:
        keep = [i for i in range(len(page.lines)) if (page.number, i) not in furniture]
        notes = find_footnotes(page.lines, keep, body_size, page.height)
        in_notes = {i for n in notes for i in n.indices}
        body = [i for i in keep if i not in in_notes]
        notes_by_page[page.number] = (notes, in_notes, body)
        gutters[page.number] = find_gutter([page.lines[i] for i in body])
    found = sorted(g for g in gutters.values() if g is not None)
    doc_gutter = found[len(found) // 2] if len(found) * 2 >= len(pages) and found else None

    items: list[Item] = []
    marks: dict[int, set[str]] = {}
    edges: dict[str, list[float]] = {"single": [], "left": [], "right": []}
    floors: dict[str, list[float]] = {"single": [], "left": [], "right": []}
    note_tops: dict[int, float] = {}
    for page in pages:
        lines = page.lines
        notes, in_notes, body = notes_by_page[page.number]
        gx = gutters[page.number]
        if gx is None and doc_gutter is not None and fits_gutter([lines[i] for i in body],
                                                                  doc_gutter):
            gx = doc_gutter
        placed = reading_order(lines, body, gx)
        runs: list[list[tuple[int, str]]] = []
        for p in placed:
            if runs and runs[-1][-1][1] == p.slot:
                runs[-1].append((p.index, p.slot))
            else:
                runs.append([(p.index, p.slot)])
        for run in runs:
            slot = run[0][1]
            seq = [i for i, _ in run]
            rows = find_tables(lines, seq)
            row_at = {row.indices[0]: row for row in rows}
            in_rows = {i for row in rows for i in row.indices}
            for i in seq:
                if i in row_at:
                    row = row_at[i]
                    items.append(Item("table_row", page.number, sorted(
                        row.indices, key=lambda j: (lines[j].top, lines[j].x0)), slot,
                        row.cells))
                elif i not in in_rows:
                    items.append(Item("body", page.number, [i], slot))
                    if abs(lines[i].size - body_size) < 0.6:
                        edges[slot].append(lines[i].x1)
                        floors[slot].append(lines[i].bottom)
        for note in notes:
            items.append(Item("footnote", page.number, note.indices, mark=note.mark))
        marks[page.number] = {n.mark for n in notes}
        if notes:
            note_tops[page.number] = min(lines[i].top for i in in_notes)
    right_edge = {slot: _percentile(xs, 0.9) for slot, xs in edges.items() if xs}
    bottom_edge = {slot: max(ys) for slot, ys in floors.items() if ys}
    return Layout(items, furniture, front, body_size, right_edge, bottom_edge, note_tops, marks)
