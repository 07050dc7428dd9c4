"""Codebook concepts: find them in a passage in one token pass (patterns: data/lexicon.json).

Running a dozen large regular-expression alternations over every passage cost most of
the classifier's time (Python's ``re`` tries every alternative at every character). A
match can only begin at a word that starts with one of its pattern's literal stems, so
``Scanner`` derives those stems from the patterns once, looks each word up in a table,
and runs a concept's pattern only where a word can start it, anchored there. The spans
are exactly those of ``pattern.finditer`` on the lowercased passage (tests check it).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

CONCEPTS: tuple[str, ...] = (
    "mh_condition", "child_mh_service", "adult_mh_service", "parent_role", "child_ref",
    "young_child", "efh", "family_abuse", "mo_cue", "forward_looking", "good_practice",
    "statutory",
)
WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_STEM = 24
STEM_CHAR = re.compile(r"[^\W_]| ")  # letters, digits and the space between words
Span = tuple[int, int]


@dataclass(frozen=True)
class Scan:
    """One passage, analysed once and shared by context, features, TF-IDF and evidence."""

    lower: str
    words: set[str]                   # the distinct words of ``lower``
    sentences: list[list[str]]        # TF-IDF tokens per sentence: words of 2+ characters,
                                      # accents stripped
    spans: dict[str, list[Span]]      # concept -> spans in ``lower`` (non-overlapping)


@lru_cache(maxsize=1)
def _raw() -> dict[str, list[str]]:
    text = resources.files("pipeline").joinpath("data/lexicon.json").read_text("utf-8")
    return json.loads(text)


def _alternation(alternatives: list[str], flags: int = 0) -> re.Pattern[str]:
    """A concept's alternatives as one word-bounded pattern, in their order."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", flags)


def _compile(concept: str, flags: int = 0) -> re.Pattern[str]:
    return _alternation(_raw()[concept], flags)


def _stems(items: list, prefix: str = "") -> set[str]:
    """Literal prefixes (words and spaces) every match of the parsed pattern starts with.

    Conservative: wherever the pattern stops being a plain literal, the prefix so far is
    the stem; "" would mean 'could start anywhere' (the scanner refuses such patterns).
    """
    if not items or len(prefix) >= MAX_STEM:
        return {prefix}
    (op, av), rest = items[0], items[1:]
    if op is sre.LITERAL:
        ch = chr(av)
        return _stems(rest, prefix + ch) if STEM_CHAR.fullmatch(ch) else {prefix}
    if op is sre.AT:
        return _stems(rest, prefix)
    if op is sre.SUBPATTERN:
        return _stems(list(av[-1]) + rest, prefix)
    if op is sre.BRANCH:
        return set().union(*(_stems(list(b) + rest, prefix) for b in av[1]))
    if op is sre.IN:
        chars = _charset(av)
        if chars is None or len(chars) > 10:
            return {prefix}
        return set().union(*(_stems(rest, prefix + c) if STEM_CHAR.fullmatch(c) else {prefix}
                             for c in chars))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, sub = av
        # one repetition of an optional part is exact; longer repeats stop the stem there
        taken = _stems(list(sub) + rest, prefix) if high == 1 else _stems(list(sub), prefix)
        return taken | _stems(rest, prefix) if low == 0 else taken
    return {prefix}


def _charset(av: list) -> list[str] | None:
    chars: list[str] = []
    for op, v in av:
        if op is sre.LITERAL:
            chars.append(chr(v))
        elif op is sre.RANGE and v[1] - v[0] < 40:
            chars += [chr(c) for c in range(v[0], v[1] + 1)]
        elif op is sre.CATEGORY and v is sre.CATEGORY_DIGIT:
            chars += list("0123456789")
        else:
            return None
    return chars


class Scanner:
    """Finds every codebook concept in a passage with one pass over its words.

    Each stem is indexed by its first word: a one-word stem fires on any word it begins
    ("depress" on "depressed"), a stem of several words only where its first two words
    follow each other ("the panel"), so common words such as "the" or "was" cost one
    cheap search. Words that start nothing are remembered and skipped with a set
    difference.
    """

    def __init__(self, raw: dict[str, list[str]] | None = None) -> None:
        raw = raw or _raw()
        self._prefix: dict[str, set[str]] = {}             # one-word stem -> concepts
        self._phrase: dict[str, dict[str, set[str]]] = {}  # first word -> two-word stem -> concepts
        self._alternatives: dict[str, list[tuple[str, set[str]]]] = {}  # in pattern order
        for concept in CONCEPTS:
            for alternative in raw[concept]:
                stems = _stems(list(sre_parse.parse(alternative)))
                self._alternatives.setdefault(concept, []).append((alternative, stems))
                for stem in stems:
                    if not stem or stem[0] == " ":
                        raise ValueError(f"lexicon pattern {alternative!r} ({concept}) has "
                                         "no literal first letter; the scanner cannot index it")
                    words = stem.split(" ")
                    if len(words) == 1:
                        self._prefix.setdefault(stem, set()).add(concept)
                    else:
                        phrase = " ".join(words[:2])
                        self._phrase.setdefault(words[0], {}).setdefault(phrase, set()).add(concept)
        self._triggers: dict[str, _Trigger] = {}
        self._inert: set[str] = set()

    def _trigger(self, word: str) -> _Trigger | None:
        """Where in a passage this word can start a concept (memoised per word)."""
        if word in self._triggers:
            return self._triggers[word]
        found: set[str] = set()
        for n in range(1, len(word) + 1):
            found |= self._prefix.get(word[:n], set())
        phrases = self._phrase.get(word, {})
        if not found and not phrases:
            if len(self._inert) > 1_000_000:  # bounded memo on huge vocabularies
                self._inert.clear()
            self._inert.add(word)
            return None
        # longest first, so a match names the longest stem; the shorter stems it begins
        # with apply there too
        ordered = sorted(phrases, key=len, reverse=True)
        concepts = {word: frozenset(found)}
        for stem in ordered:
            concepts[stem] = frozenset(found.union(
                *(cs for other, cs in phrases.items() if stem.startswith(other))))
        tails = [re.escape(stem[len(word):]) for stem in ordered]
        if found:
            tails.append(r"\b")
        # the word first, as a literal: re then finds it with a fast substring search; a
        # hit inside a longer word is refused by the concept pattern's own leading \b
        where = re.compile(re.escape(word) + "(?:" + "|".join(tails) + ")")
        trigger = _Trigger(where, concepts, {
            c: self._patterns_at(word, c) for c in set().union(*concepts.values())})
        self._triggers[word] = trigger
        return trigger

    def _patterns_at(self, word: str, concept: str) -> re.Pattern[str]:
        """The concept's pattern cut to the alternatives that can start at ``word``.

        Same matches there as the whole pattern (the others cannot start at this word,
        and the order of the rest is kept), at a fraction of the cost.
        """
        kept = [alt for alt, stems in self._alternatives[concept]
                if any(word.startswith(s) if " " not in s else s.startswith(word + " ")
                       for s in stems)]
        return _alternation(kept)

    def scan(self, text: str) -> Scan:
        lower = text.lower()
        starts: dict[int, tuple[_Trigger, frozenset[str]]] = {}
        per_sentence = [WORD.findall(part) for part in SENTENCE_END.split(lower)]
        distinct = set().union(*per_sentence)
        for word in distinct - self._inert:
            trigger = self._trigger(word)
            if trigger is None:
                continue
            hits = [m for m in trigger.where.finditer(lower)
                    if not (m.start() and lower[m.start() - 1].isalnum())]
            for m in hits:
                concepts = trigger.concepts.get(m.group(), trigger.concepts[word])
                starts[m.start()] = (trigger, concepts)
        spans: dict[str, list[Span]] = {}
        last: dict[str, int] = {}
        for pos in sorted(starts):
            trigger, concepts = starts[pos]
            for concept in concepts:
                if pos < last.get(concept, 0):
                    continue
                m = trigger.patterns[concept].match(lower, pos)
                if m:
                    spans.setdefault(concept, []).append(m.span())
                    last[concept] = m.end()
        # scikit-learn's default token pattern: words of two or more characters
        sentences = [[w for w in words if len(w) > 1] for words in per_sentence]
        if not lower.isascii():
            sentences = [[w if w.isascii() else strip_accents(w) for w in ws] for ws in sentences]
        return Scan(lower, distinct, [ws for ws in sentences if ws], spans)


@dataclass(frozen=True)
class _Trigger:
    where: re.Pattern[str]                # the word itself, or the phrases it begins
    concepts: dict[str, frozenset[str]]   # matched text (word or phrase) -> concepts
    patterns: dict[str, re.Pattern[str]]  # concept -> its alternatives that can start here


def strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def scanner() -> Scanner:
    """The scanner for the shipped lexicon (built once per process: it is read-only)."""
    return Scanner()


def scan_all(texts: Sequence[str]) -> list[Scan]:
    """Lexicon scans of passages (one pass each, shared by every later stage)."""
    scan = scanner().scan
    return [scan(text) for text in texts]


def concept_spans(concept: str, text: str, scan: Scan | None = None) -> list[Span]:
    """Character spans of a concept in ``text`` (case-insensitive).

    Spans found on the lowercased text are the original's when lowercasing keeps every
    offset (almost always: a few characters such as 'İ' change length).
    """
    scan = scan or scanner().scan(text)
    if len(scan.lower) == len(text):
        return list(scan.spans.get(concept, ()))
    return [m.span() for m in _compile(concept, re.IGNORECASE).finditer(text)]
