"""Paragraph numbers as reviews print them: "3.12", "1.2.3", "37", "iv", glued or dotted.

A number is read only at the start of a line. It is strong when the text after it
starts like a sentence (a capital or an opening quote or bracket), so a wrapped line
starting "12 weeks later" is not taken for paragraph 12; at a line that layout says
continues a paragraph, a number must also follow on from the previous one.
"""

from __future__ import annotations

import re

PARA_NO = re.compile(
    r"^(?P<no>(?:\d{1,3}\.){1,3}\d{1,3}|\d{1,3}|[ivxlc]{1,7})(?P<dot>\.)?"
    r"(?:(?P<space>[ \t\u00a0]+)|(?=[A-Z“\"‘'(\[]))(?P<first>\S)")
SENTENCE_START = re.compile(r"[A-Z“\"‘'(\[]")
ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def roman_value(text: str) -> int | None:
    if not re.fullmatch(r"[ivxlc]+", text):
        return None
    total, prev = 0, 0
    for ch in reversed(text):
        v = ROMAN[ch]
        total, prev = (total - v, prev) if v < prev else (total + v, v)
    return total


def read_number(text: str) -> tuple[str, int, bool] | None:
    """``(number, length of number and separator, strong)`` at the start of ``text``.

    Strong when the text after the number starts like a sentence; a weak number (text
    starting with a digit or a lower-case word, "7.2 develops ...") is only trusted by
    the caller when layout and sequence agree.
    """
    m = PARA_NO.match(text)
    if not m:
        return None
    no = m.group("no")
    sentence = bool(SENTENCE_START.match(m.group("first")))
    if not sentence and not m.group("space"):
        return None
    roman = re.fullmatch(r"[ivxlc]+", no) is not None
    if roman and roman_value(no) is None:
        return None
    strong = sentence and (bool(m.group("space")) or not roman)  # "ivThere" is weak
    return no, m.start("first"), strong


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


def successors(prev: str | None) -> list[str]:
    """The numbers that would come next after ``prev`` (for numbers glued to digits)."""
    if prev is None:
        return ["1", "1.1", "i"]
    if re.fullmatch(r"[ivxlc]+", prev):
        return []
    parts = prev.split(".")
    out = [".".join(parts[:-1] + [str(int(parts[-1]) + 1)])]
    if len(parts) > 1:
        out.append(".".join(parts[:-2] + [str(int(parts[-2]) + 1), "1"]))
    return out


def read_glued(text: str, prev: str | None) -> tuple[str, int] | None:
    """The expected next number glued to text starting with a digit ("1514.6.22. ...")."""
    for cand in successors(prev):
        if text.startswith(cand) and text[len(cand):len(cand) + 1].isdigit():
            return cand, len(cand)
    return None
