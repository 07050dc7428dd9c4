"""How faithfully extraction + segmentation recover a rendered review's known paragraphs.

For each source paragraph (body, bullet, table row) we look for the passage that
matches it, in order: it is recovered *intact* when the texts agree at similarity
≥ 0.95 after whitespace normalisation (so neither merged with a neighbour nor cut at a
page break). ``para_no`` is right when the matched passage carries the printed
number (or none where none is printed), counted over the paragraphs recovered intact
so that a boundary error is not counted twice; bullets and table rows are printed without
their source number. A furniture leak is any passage containing the header, the footer
or a page label (a header or footer the review's prose also contains is not checked).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from pathlib import Path

from pipeline.corpus.sources import ReviewSource
from pipeline.extract import extract
from pipeline.records import Passage
from pipeline.segment import segment

INTACT = 0.95
WINDOW = 12  # passages ahead of the last match searched for the next paragraph


@dataclass
class Fidelity:
    paragraphs: int = 0
    intact: int = 0
    para_no_right: int = 0
    furniture_leaks: int = 0
    passages: int = 0

    def add(self, other: Fidelity) -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)

    @property
    def intact_share(self) -> float:
        return self.intact / self.paragraphs if self.paragraphs else 0.0

    @property
    def para_no_accuracy(self) -> float:
        return self.para_no_right / self.intact if self.intact else 0.0


def _norm(text: str) -> str:
    return " ".join(text.split())


def similarity(a: str, b: str) -> float:
    a, b = _norm(a), _norm(b)
    sm = SequenceMatcher(None, a, b, autojunk=False)
    if sm.real_quick_ratio() < INTACT - 0.2 or sm.quick_ratio() < INTACT - 0.2:
        return sm.quick_ratio()
    return sm.ratio()


def furniture_patterns(review: ReviewSource) -> list[re.Pattern[str]]:
    label = re.escape(_norm(review.page_label)).replace(r"\{n\}", r"\d+")
    label = label.replace(r"\{total\}", r"\d+")
    literal = review.page_label.replace("{n}", "").replace("{total}", "")
    pats = [re.compile(label)] if re.search(r"[A-Za-z|]", literal) else []
    # a running footer that the review's own prose also says (often the partnership's
    # name) cannot tell a leak from the text, so it is not counted either way
    prose = " ".join(_norm(para.plain) for _section, para in review.paragraphs)
    pats += [re.compile(re.escape(_norm(t))) for t in (review.header, review.footer)
             if t.strip() and _norm(t) not in prose]
    return pats


def score(review: ReviewSource, passages: list[Passage]) -> tuple[Fidelity, list[str]]:
    """Fidelity counts for one review and a description of every miss."""
    body = [p for p in passages if p.kind != "footnote"]
    fid = Fidelity(passages=len(body))
    misses: list[str] = []
    j = 0
    for _section, para in review.paragraphs:
        fid.paragraphs += 1
        best, best_k = 0.0, -1
        for k in range(j, min(len(body), j + WINDOW)):
            s = similarity(para.plain, body[k].text)
            if s > best:
                best, best_k = s, k
            if s >= 0.99:
                break
        if best >= INTACT:
            fid.intact += 1
            j = best_k + 1
            printed = para.no if para.kind == "body" else None  # bullets, rows: no number
            if body[best_k].para_no == printed:
                fid.para_no_right += 1
            else:
                misses.append(f"para_no {printed!r} read as {body[best_k].para_no!r}: "
                              f"{para.plain[:60]}")
        else:
            got = body[best_k].text[:80] if best_k >= 0 else ""
            misses.append(f"not intact ({best:.2f}) {para.no or para.kind}: {para.plain[:70]!r}"
                          f" ~ {got!r}")
    pats = furniture_patterns(review)
    for p in passages:
        text = _norm(p.text)
        if any(pat.search(text) for pat in pats):
            fid.furniture_leaks += 1
            misses.append(f"furniture in passage: {text[:80]!r}")
    return fid, misses


def measure(review: ReviewSource, pdf: str | Path) -> tuple[Fidelity, list[str]]:
    return score(review, segment(extract(pdf)))
