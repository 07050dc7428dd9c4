"""``Document`` → ``Passage``s: one passage per paragraph of body text, as the codebook's Unit.

Layout (``pipeline.extract.layout``) has already put the lines in reading order and
set aside furniture, title and contents pages, footnotes and table rows. Here the
body lines become paragraphs. A new paragraph starts at a bullet, at a paragraph
number, after extra vertical space, or after a line that ended short (the next
line's first word would have fitted on it, so the author ended the paragraph
there). A page or column break alone never ends a paragraph. Lines are joined with
a space; a line-end hyphen is dropped when the joined word occurs elsewhere in the
document (or the piece before it is not a common prefix). Passage kinds:

- ``body``: a paragraph; ``para_no`` holds its printed number, removed from ``text``.
- ``bullet``: one item of a bulleted list (the glyph removed); every item is its own passage.
- ``table_row``: one row of a table, cells joined with " | ".
- ``footnote``: one footnote, ``para_no`` holding its mark; emitted after the paragraph
  during which it was met. Footnote marks are removed from body text.

Headings are not passages; they set ``section`` (their number removed). Title and
contents pages yield nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from pipeline.extract.layout import Item, Layout, analyse
from pipeline.extract.numbering import follows, read_glued, read_number
from pipeline.nlp import sentence_spans
from pipeline.records import Document, Line, Passage

BULLET = re.compile(r"^(?:[•●○◦▪■□‣⁃∙·\uf0b7\uf0a7\uf076\uf0d8\uf0fc]\s*|[-–*o§]\s+)(?=\S)")
HEADING_NO = re.compile(r"^(?:(?:section|part|chapter)\s+)?"
                        r"(?:\d{1,2}(?:\.\d{1,2})*|[A-Z]|[IVX]{1,5})[.):]?\s+(?=\S)", re.I)
PREFIXES = frozenset((
    "non", "self", "well", "co", "anti", "multi", "inter", "cross", "ex", "half", "step", "pre",
    "post", "sub", "semi", "mid", "over", "under", "long", "short", "low", "high", "full", "part",
    "first", "second", "third", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "follow", "face", "young"))
WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


@dataclass(slots=True)
class _Para:
    kind: str
    page: int
    section: str | None
    para_no: str | None = None
    text: str = ""
    page_end: int = 0
    char_start: int = 0
    char_end: int = 0
    notes: list[_Para] = field(default_factory=list)


WEB_NOTE = re.compile(r"(?<=[\w.,;:)’'\"”])\[\d{1,3}\](?=[\s.,;:)]|$)")


def _clean(line: Line, marks: set[str]) -> str:
    """Line text without footnote marks: superscripts, glued copies of this page's marks,
    and the bracketed notes of web versions ("partners.[3]").

    A glued copy counts only after a lower-case letter, bracket, quote or punctuation:
    "partners2", "(LSCBs)2", but not case codes such as "YP4" or "CN18".
    """
    text = line.text
    for start, end in sorted(line.marks, reverse=True):  # offsets index the original text
        text = text[:start] + text[end:]
    text = WEB_NOTE.sub("", text)
    if marks:
        alts = "|".join(sorted((re.escape(m) for m in marks), key=len, reverse=True))
        text = re.sub(rf"(?:(?<=[a-z)\]’'\"”])|(?<=[a-z)\]][.,;:]))(?:{alts})(?=[\s.,;:)]|$)",
                      "", text)
    return text


class _Joiner:
    """Joins wrapped lines, repairing end-of-line hyphenation from the document's own words."""

    def __init__(self, texts: list[str]) -> None:
        self.words = set(WORD.findall(" ".join(texts).lower()))

    def join(self, left: str, right: str) -> str:
        if not left:
            return right
        if not right:
            return left
        m = re.search(r"([A-Za-z]+)-$", left)
        if m and right[:1].isalpha():
            head = m.group(1).lower()
            tail = re.match(r"[A-Za-z]+", right).group(0).lower()
            keep = (right[0].isupper() or len(head) == 1 or f"{head}-{tail}" in self.words
                    or (f"{head}{tail}" not in self.words and head in PREFIXES))
            return left + right if keep else left[:-1] + right
        return f"{left} {right}"


def _section(text: str) -> str:
    return HEADING_NO.sub("", text).strip() or text.strip()


class _Builder:
    def __init__(self, doc: Document, layout: Layout) -> None:
        self.doc, self.layout = doc, layout
        self.size = layout.body_size
        self.offsets: dict[int, list[int]] = {}
        body = [self._line(it.page, it.lines[0]) for it in layout.items if it.kind == "body"]
        self.joiner = _Joiner([ln.text for ln in body])
        self.pitch = self._typical_pitch()
        self.paras: list[_Para] = []
        self.current: _Para | None = None
        self.pending_notes: list[_Para] = []
        self.section: str | None = None
        self.last_no: str | None = None
        self.prev: tuple[Item, Line] | None = None
        self.heading: tuple[Item, Line] | None = None

    def _line(self, page: int, index: int) -> Line:
        return self.doc.pages[page - 1].lines[index]

    def _offset(self, page: int, index: int) -> int:
        if page not in self.offsets:
            acc, out = 0, []
            for ln in self.doc.pages[page - 1].lines:
                out.append(acc)
                acc += len(ln.text) + 1
            self.offsets[page] = out
        return self.offsets[page][index]

    def _typical_pitch(self) -> float:
        """Line pitch inside a paragraph, in font sizes (most consecutive pairs are inside one)."""
        ratios = []
        prev: Item | None = None
        for it in self.layout.items:
            if it.kind != "body":
                prev = None
                continue
            if prev is not None and prev.page == it.page and prev.slot == it.slot:
                a, b = self._line(prev.page, prev.lines[0]), self._line(it.page, it.lines[0])
                pitch = (b.baseline - a.baseline) if a.baseline and b.baseline else b.top - a.top
                if 0 < pitch < 3 * self.size:
                    ratios.append(pitch / max(b.size, 1))
            prev = it
        return median(ratios) if ratios else 1.2

    def _is_heading(self, line: Line, text: str) -> bool:
        words = len(text.split())
        if not words or words > 20 or text.rstrip().endswith((".", ",", ";")) and words > 8:
            return False
        return line.size >= self.size * 1.12 or (line.bold and line.size >= self.size * 0.95)

    def _ended_short(self, a: Line, b_text: str, slot: str) -> bool:
        """``a`` stopped although the next word would have fitted: the paragraph ended."""
        if a.text.endswith("-"):
            return False
        edge = self.layout.right_edge.get(slot) or max(self.layout.right_edge.values(),
                                                       default=a.x1)
        first = b_text.split(" ", 1)[0]
        char_w = 0.5 * a.size
        return a.x1 + char_w * (len(first) + 1) * 1.1 + 3 < edge

    def _breaks(self, item: Item, line: Line, text: str) -> bool:
        if self.prev is None or self.current is None:
            return True
        p_item, a = self.prev
        if self._ended_short(a, text, p_item.slot):
            return True
        if p_item.page == item.page and p_item.slot == item.slot and line.top > a.top:
            pitch = (line.baseline - a.baseline) if a.baseline and line.baseline \
                else line.top - a.top
            return pitch > line.size * (self.pitch + 0.3)
        # a page or column break: had the paragraph gone on, its next line would have been
        # set below ``a`` while there was room. Widow control moves a paragraph's last line
        # over with one line's room left; orphan control keeps a new paragraph's first two
        # lines together, leaving up to two lines' room: so more than 1.6 lines means an end.
        floor = self.layout.bottom_edge.get(p_item.slot, a.bottom)
        floor = min(floor, self.layout.footnote_top.get(p_item.page, floor) - 0.5 * a.size)
        return floor - a.bottom > 1.6 * self.pitch * a.size

    def _close(self) -> None:
        if self.current is not None:
            self.paras.append(self.current)
            self.current = None
        self.paras.extend(self.pending_notes)
        self.pending_notes = []

    def _start(self, kind: str, item: Item, index: int, line: Line, text: str, skip: int,
               no: str | None = None) -> None:
        self._close()
        start = self._offset(item.page, index) + (len(line.text) - len(text)) + skip
        self.current = _Para(kind, item.page, self.section, no, text[skip:].strip(), item.page,
                             start, self._offset(item.page, index) + len(line.text))

    def add(self, item: Item) -> None:
        if item.kind == "table_row":
            self._table_row(item)
        elif item.kind == "footnote":
            self._footnote(item)
        else:
            self._body(item)

    def _text_of(self, page: int, indices: list[int]) -> str:
        marks = self.layout.footnote_marks.get(page, set())
        out = ""
        for i in indices:
            out = self.joiner.join(out, _clean(self._line(page, i), marks).strip())
        return out

    def _table_row(self, item: Item) -> None:
        self._close()
        cells = [self._text_of(item.page, sorted(c, key=lambda i: self._line(item.page, i).top))
                 for c in item.cells]
        first, last = item.lines[0], item.lines[-1]
        self.paras.append(_Para("table_row", item.page, self.section, None,
                                " | ".join(cells), item.page, self._offset(item.page, first),
                                self._offset(item.page, last) + len(self._line(item.page,
                                                                                last).text)))
        self.prev = None

    def _footnote(self, item: Item) -> None:
        text = self._text_of(item.page, item.lines)
        text = re.sub(rf"^{re.escape(item.mark or '')}\s*", "", text)
        last = item.lines[-1]
        note = _Para("footnote", item.page, self.section, item.mark, text, item.page,
                     self._offset(item.page, item.lines[0]),
                     self._offset(item.page, last) + len(self._line(item.page, last).text))
        if self.current is None:
            self.paras.append(note)
        else:
            self.pending_notes.append(note)

    def _body(self, item: Item) -> None:
        index = item.lines[0]
        line = self._line(item.page, index)
        text = _clean(line, self.layout.footnote_marks.get(item.page, set())).strip()
        if not text:
            return
        if self._is_heading(line, text):
            self._close()
            if self.heading is not None and self.heading[1].size == line.size \
                    and self.heading[0].page == item.page \
                    and line.top - self.heading[1].bottom < line.size:
                self.section = f"{self.section} {_section(text)}"
            else:
                self.section = _section(text)
            self.heading = (item, line)
            self.prev = None
            return
        self.heading = None
        geometric = self._breaks(item, line, text)
        bullet = BULLET.match(text)
        number = read_number(text)
        if geometric and (number is None or not follows(self.last_no, number[0])):
            glued = read_glued(text, self.last_no)
            number = (glued[0], glued[1], False) if glued else number
        if bullet:
            self._start("bullet", item, index, line, text, bullet.end())
        elif number and ((number[2] and (geometric or follows(self.last_no, number[0])))
                         or (geometric and follows(self.last_no, number[0]))):
            self.last_no = number[0]
            self._start("body", item, index, line, text, number[1], number[0])
        elif geometric:
            self._start("body", item, index, line, text, 0)
        else:
            cur = self.current
            cur.text = self.joiner.join(cur.text, text)
            cur.page_end = item.page
            cur.char_end = self._offset(item.page, index) + len(line.text)
        self.prev = (item, line)


def segment(doc: Document) -> list[Passage]:
    """Passages of one document in reading order, with sentence spans."""
    layout = analyse(doc)
    builder = _Builder(doc, layout)
    for item in layout.items:
        builder.add(item)
    builder._close()
    paras = [p for p in builder.paras if p.text]
    sents = sentence_spans([p.text for p in paras])
    return [
        Passage(doc_id=doc.doc_id, passage_id=f"{doc.doc_id}:{i:04d}", text=p.text, page=p.page,
                para_no=p.para_no, section=p.section, kind=p.kind, source=doc.source,
                page_end=p.page_end, sentences=s, char_start=p.char_start, char_end=p.char_end)
        for i, (p, s) in enumerate(zip(paras, sents, strict=True))
    ]
