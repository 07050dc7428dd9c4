"""Paragraph numbers as reviews print them: "3.12", "1.2.3", "37", "iv", glued or dotted.

A number is read only at the start of a line and only when the text after it starts
like a sentence (a capital or an opening quote or bracket), so a wrapped line that
starts "12 weeks later" is not taken for paragraph 12; at a line that layout says
continues a paragraph, the number must also follow on from the previous one.
"""

from __future__ import annotations

import re

PARA_NO = re.compile(
    r"^(?P<no>(?:\d{1,3}\.){1,3}\d{1,3}|\d{1,3}|[ivxlc]{1,7})(?P<dot>\.)?"
    r"(?:[ \t\u00a0]+|(?=[A-Z“\"‘'(\[]))(?=[A-Z“\"‘'(\[])")
ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def roman_value(text: str) -> int | None:
    if not re.fullmatch(r"[ivxlc]+", text):
        return None
    total, prev = 0, 0
    for ch in reversed(text):
        v = ROMAN[ch]
        total, prev = (total - v, prev) if v < prev else (total + v, v)
    return total


def read_number(text: str) -> tuple[str, int] | None:
    """``(number, length of the number and its separator)`` at the start of ``text``."""
    m = PARA_NO.match(text)
    if not m:
        return None
    no = m.group("no")
    if re.fullmatch(r"[ivxlc]+", no) and (roman_value(no) is None or m.end() == m.end("no")):
        return None  # roman numerals must be separated from their text
    return no, m.end()


def follows(prev: str | None, cand: str) -> bool:
    """``cand`` plausibly numbers the paragraph after the one numbered ``prev``."""
    if re.fullmatch(r"[ivxlc]+", cand):
        rv = roman_value(cand)
        pv = roman_value(prev) if prev else None
        return rv == 1 or (pv is not None and rv is not None and 0 < rv - pv <= 2)
    parts = [int(x) for x in cand.split(".")]
    if prev is None or not re.fullmatch(r"[\d.]+", prev):
        return parts[-1] == 1 or len(parts) > 1
    before = [int(x) for x in prev.split(".")]
    if len(parts) == len(before):
        if parts[:-1] == before[:-1]:
            return 0 < parts[-1] - before[-1] <= 3
        return parts[-1] == 1 and parts[:-1] > before[:-1]
    if len(parts) > len(before):
        return parts[:len(before)] == before and parts[-1] == 1
    head = before[:len(parts)]
    return parts[:-1] == head[:-1] and 0 < parts[-1] - head[-1] <= 3
