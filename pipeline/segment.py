"""``Document`` → ``Passage``s: furniture out, paragraphs rebuilt, numbers and headings read."""

from __future__ import annotations

import re
from collections import Counter
from statistics import median

from pipeline.nlp import sentence_spans
from pipeline.records import Document, Line, Passage

PARA_NO = re.compile(r"^(?P<no>(?:\d{1,2}\.){1,2}\d{1,3}|\d{1,3}|[ivxl]{1,6})\.?(?:\s+|(?=[A-Z]))")
PAGE_NO = re.compile(r"^(?:page\s*)?[-–]?\s*\d{1,4}\s*(?:of\s*\d{1,4})?\s*[-–]?$", re.I)


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def furniture_keys(doc: Document) -> set[str]:
    """Normalised lines repeated near the top or bottom of many pages."""
    counts: Counter[str] = Counter()
    for page in doc.pages:
        seen = set()
        for line in page.lines:
            if line.top < page.height * 0.12 or line.bottom > page.height * 0.88:
                seen.add(_norm(line.text))
        counts.update(seen)
    need = max(2, len(doc.pages) // 2)
    return {k for k, c in counts.items() if c >= need}


def segment(doc: Document) -> list[Passage]:
    furniture = furniture_keys(doc) if len(doc.pages) > 2 else set()
    body: list[tuple[int, Line]] = []
    for page in doc.pages:
        for line in page.lines:
            text = line.text.strip()
            if not text or _norm(text) in furniture or PAGE_NO.match(text):
                continue
            body.append((page.number, line))
    if not body:
        return []
    size = median(line.size for _, line in body)
    gaps = [b.top - a.bottom for (pa, a), (pb, b) in zip(body, body[1:], strict=False)
            if pa == pb and 0 < b.top - a.bottom < size * 3]
    gap = median(gaps) if gaps else size * 0.3

    paras: list[dict] = []
    section: str | None = None
    current: dict | None = None
    prev: tuple[int, Line] | None = None
    for page_no, line in body:
        text = line.text.strip()
        is_heading = line.size > size * 1.15 and len(text) < 120
        new_para = (
            current is None
            or prev is None
            or (prev[0] == page_no and line.top - prev[1].bottom > gap * 2.0 + 1)
            or bool(PARA_NO.match(text))
            or is_heading
        )
        if is_heading:
            section = re.sub(r"^[\dA-Z]{1,3}[.)]?\s+", "", text).strip() or text
            current = None
            prev = (page_no, line)
            continue
        if new_para:
            m = PARA_NO.match(text)
            current = {"page": page_no, "page_end": page_no, "section": section,
                       "para_no": m.group("no") if m else None,
                       "text": text[m.end():] if m else text}
            paras.append(current)
        else:
            joined = current["text"]
            if joined.endswith("-") and text[:1].islower():
                current["text"] = joined[:-1] + text
            else:
                current["text"] = f"{joined} {text}"
            current["page_end"] = page_no
        prev = (page_no, line)

    texts = [p["text"] for p in paras]
    sents = sentence_spans(texts)
    return [
        Passage(doc_id=doc.doc_id, passage_id=f"{doc.doc_id}:{i:04d}", text=p["text"],
                page=p["page"], page_end=p["page_end"], para_no=p["para_no"],
                section=p["section"], source=doc.source, sentences=s)
        for i, (p, s) in enumerate(zip(paras, sents, strict=True))
    ]
