"""Column detection and reading order on one page.

Two-column pages are read column by column. A gutter is a vertical strip near the
middle of the text area that (almost) no line crosses, with lines filling both
sides; requiring well-filled lines on both sides keeps a chronology table (narrow
date and agency cells on the left) from passing for two columns. Lines crossing
the gutter (a title across both columns) cut the page into bands read in turn. A page
too short to show its own gutter (the last page) uses the document's, when it fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.records import Line


@dataclass(slots=True)
class Placed:
    index: int  # line index on the page
    slot: str  # "single", "left" or "right": which column the line sits in


def find_gutter(lines: list[Line]) -> float | None:
    """x of the gutter of a two-column page, or None for a single column."""
    if len(lines) < 8:
        return None
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    width = right - left
    best: tuple[int, float] | None = None
    x = left + 0.35 * width
    while x <= left + 0.65 * width:
        crossing = sum(1 for ln in lines if ln.x0 < x - 1 < x + 1 < ln.x1)
        key = (crossing, abs(x - (left + width / 2)))
        if best is None or key < (best[0], abs(best[1] - (left + width / 2))):
            best = (crossing, x)
        x += 2.0
    if best is None or best[0] > 0.1 * len(lines):
        return None
    gx = best[1]
    lhs = [ln for ln in lines if ln.x1 <= gx]
    rhs = [ln for ln in lines if ln.x0 >= gx]
    full_l = sum(1 for ln in lhs if ln.x1 - ln.x0 >= 0.75 * (gx - left))
    full_r = sum(1 for ln in rhs if ln.x1 - ln.x0 >= 0.75 * (right - gx))
    if full_l >= 3 and full_r >= 3:
        return gx
    return None


def fits_gutter(lines: list[Line], gx: float) -> bool:
    """No line crosses ``gx`` and both sides hold text: the document's gutter applies here."""
    if any(ln.x0 < gx - 1 < gx + 1 < ln.x1 for ln in lines):
        return False
    return any(ln.x1 <= gx for ln in lines) and any(ln.x0 >= gx for ln in lines)


def reading_order(lines: list[Line], indices: list[int], gx: float | None) -> list[Placed]:
    """``indices`` of ``lines`` in reading order, each with its column slot (gutter ``gx``)."""
    if gx is None:
        order = sorted(indices, key=lambda i: (round(lines[i].top, 0), lines[i].x0))
        return [Placed(i, "single") for i in order]
    out: list[Placed] = []
    band_l: list[int] = []
    band_r: list[int] = []

    def flush() -> None:
        out.extend(Placed(i, "left") for i in sorted(band_l, key=lambda i: lines[i].top))
        out.extend(Placed(i, "right") for i in sorted(band_r, key=lambda i: lines[i].top))
        band_l.clear()
        band_r.clear()

    for i in sorted(indices, key=lambda i: (lines[i].top, lines[i].x0)):
        ln = lines[i]
        if ln.x1 <= gx + 1:
            band_l.append(i)
        elif ln.x0 >= gx - 1:
            band_r.append(i)
        else:  # spans the gutter: ends the band above it
            flush()
            out.append(Placed(i, "single"))
    flush()
    return out
