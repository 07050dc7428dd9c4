r"""Codebook concepts: find them in a batch of passages in one token pass (data/lexicon.json).

Running a dozen large regular-expression alternations over every passage cost most of
the classifier's time (Python's ``re`` tries every alternative at every character). A
match can only begin at a word that starts with one of its pattern's literal stems, so
``Scanner`` derives those stems from the patterns once, looks each word up in a table,
and runs a concept's pattern only where a word can start it, anchored there. The spans
are exactly those of ``pattern.finditer`` on the lowercased passage (tests check it).
Patterns that cannot leave the word they start at (``depress\w*``), or can leave it only
by a literal next word (``not (?:been )?curious``) where the next word is not that one,
are matched once per distinct word, not once per occurrence.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import numpy as np

CONCEPTS: tuple[str, ...] = (
    "mh_condition", "child_mh_service", "child_distress", "adult_mh_service", "parent_role",
    "child_ref", "young_child", "efh", "family_abuse", "mo_cue", "forward_looking", "good_practice",
    "statutory",
)
WORD = re.compile(r"\w+")
WORD_CHAR, SPACE_CHAR = re.compile(r"\w"), re.compile(r"\s")
WORD_RUN, NON_WORD_RUN = re.compile(r"\w*"), re.compile(r"\W*")
MAX_STEM = 24
MAX_SPELT_REPEAT = 3
MAX_STEMS = 2000  # per pattern part spelt out; beyond it the stem stops
Span = tuple[int, int]


class Scans:
    """A batch of passages analysed once, as arrays over all their words.

    Per-passage Python loops cost more than the work they do on a 60-word paragraph, so
    the batch is read as one text: words come from one ``findall``, their positions,
    passages and sentences from numpy, and the per-word work (vocabulary, lexicon
    triggers) is done once per distinct word. Every later stage (review context,
    features, TF-IDF counts, evidence) reads these arrays.

    Offsets of spans are in each passage's lowercased text (``lower[i]``).
    """

    def __init__(self, lower: list[str], moved: np.ndarray, joined: str, words: list[str],
                 index: dict[str, int], token_word: np.ndarray, token_start: np.ndarray,
                 offsets: np.ndarray, sentence_starts: np.ndarray, span_concept: np.ndarray,
                 span_start: np.ndarray, span_end: np.ndarray) -> None:
        self.lower = lower
        self.moved = moved    # per passage: lowercasing changed its length (rare: 'İ'), so
                              # offsets in ``lower`` are not the original text's
        self.joined = joined                    # the lowercased passages joined by NUL
        self.words = words                      # the batch's distinct words
        self.index = index                      # word -> its place in words
        self.token_word = token_word            # per token, in reading order: index in words
        self.token_start = token_start          # per token: offset in the joined text
        self.offsets = offsets                  # per passage: offset in the joined text
        self.sentence_starts = sentence_starts  # batch-wide sentence starts, sorted
        self.span_concept = span_concept        # per concept span: index in CONCEPTS
        self.span_start = span_start            # per span: offset in the joined text
        self.span_end = span_end
        self.token_passage = self.passage_of(token_start)
        self.token_sentence = self.sentence_of(token_start)
        self.span_passage = self.passage_of(span_start)
        self.span_sentence = self.sentence_of(span_start)

    def __len__(self) -> int:
        return len(self.lower)

    def passage_of(self, positions: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.offsets, positions, side="right") - 1

    def sentence_of(self, positions: np.ndarray) -> np.ndarray:
        """Batch-wide index of the sentence each joined-text position falls in."""
        return np.searchsorted(self.sentence_starts, positions, side="right") - 1

    def spans(self, i: int) -> dict[str, list[Span]]:
        """Passage ``i``'s concept spans, in its lowercased text."""
        order, bounds = self._spans_by_passage
        rows = order[bounds[i]:bounds[i + 1]]
        out: dict[str, list[Span]] = {}
        base = int(self.offsets[i])
        for r in rows:
            out.setdefault(CONCEPTS[self.span_concept[r]], []).append(
                (int(self.span_start[r]) - base, int(self.span_end[r]) - base))
        return out

    @cached_property
    def _spans_by_passage(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.lexsort((self.span_start, self.span_passage))
        bounds = np.searchsorted(self.span_passage[order], np.arange(len(self) + 1))
        return order, bounds

    def concept_counts(self) -> np.ndarray:
        """(passages, concepts) number of spans."""
        counts = np.zeros((len(self), len(CONCEPTS)))
        np.add.at(counts, (self.span_passage, self.span_concept), 1)
        return counts

    @cached_property
    def word_lengths(self) -> np.ndarray:
        return np.fromiter(map(len, self.words), dtype=np.int64, count=len(self.words))

    @cached_property
    def tfidf_tokens(self) -> tuple[np.ndarray, list[str]]:
        """Tokens scikit-learn's default pattern keeps (2+ characters), accents stripped:
        the token mask and each batch word's form."""
        long = self.word_lengths > 1
        forms = [w if w.isascii() else strip_accents(w) for w in self.words]
        return long[self.token_word], forms

    def sentences(self) -> list[list[list[str]]]:
        """Per passage, its non-empty sentences' TF-IDF tokens (for fitting a vocabulary)."""
        keep, forms = self.tfidf_tokens
        out: list[list[list[str]]] = [[] for _ in range(len(self))]
        last = -1
        for word, passage, sentence in zip(self.token_word[keep].tolist(),
                                           self.token_passage[keep].tolist(),
                                           self.token_sentence[keep].tolist(), strict=True):
            if sentence != last:
                out[passage].append([])
                last = sentence
            out[passage][-1].append(forms[word])
        return out

    def sentence_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Per TF-IDF token its non-empty sentence's number (0..m-1, batch-wide), and per
        such sentence its passage: the rows of sentence-level matrices."""
        keep, _ = self.tfidf_tokens
        raw = self.token_sentence[keep]
        first = np.r_[True, raw[1:] != raw[:-1]] if len(raw) else np.zeros(0, dtype=bool)
        number = np.cumsum(first) - 1
        return number, self.token_passage[keep][first]


@lru_cache(maxsize=1)
def _raw() -> dict[str, list[str]]:
    text = resources.files("pipeline").joinpath("data/lexicon.json").read_text("utf-8")
    return json.loads(text)


def _alternation(alternatives: list[str], flags: int = 0) -> re.Pattern[str]:
    """A concept's alternatives as one word-bounded pattern, in their order."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", flags)


def _compile(concept: str, flags: int = 0) -> re.Pattern[str]:
    return _alternation(_raw()[concept], flags)


def _stems(items: list, prefix: str = "") -> set[tuple[str, bool]]:
    """Literal prefixes every match of the parsed pattern starts with, each with whether
    the match ends there (``True``) or goes on in a way no literal fixes (``False``).

    Conservative: wherever the pattern stops being a plain literal, the prefix so far is
    the stem; "" would mean 'could start anywhere' (the scanner refuses such patterns).
    Short bounded repeats ("\\d{1,2}") are spelt out, so a stem runs on past them.
    """
    if not items:
        return {(prefix, True)}
    if len(prefix) >= MAX_STEM:
        return {(prefix, False)}
    (op, av), rest = items[0], items[1:]
    if op is sre.LITERAL:
        return _stems(rest, prefix + chr(av))
    if op is sre.AT:  # only a word boundary leaves a stem complete
        return (_stems(rest, prefix) if av in (sre.AT_BOUNDARY, sre.AT_NON_BOUNDARY)
                else {(prefix, False)})
    if op is sre.SUBPATTERN:
        return _stems(list(av[-1]) + rest, prefix)
    if op is sre.BRANCH:
        return set().union(*(_stems(list(b) + rest, prefix) for b in av[1]))
    if op is sre.IN:
        chars = _charset(av)
        if chars is None or len(chars) > 10:
            return {(prefix, False)}
        return set().union(*(_stems(rest, prefix + c) for c in chars))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        low, high, sub = av
        if high <= MAX_SPELT_REPEAT:
            spelt = set().union(*(_stems(list(sub) * n + rest, prefix)
                                  for n in range(low, high + 1)))
        elif low:  # longer: the stems of the first repetition, which go on
            spelt = {(stem, False) for stem, _ in _stems(list(sub), prefix)}
        else:
            spelt = set()
        return spelt if 0 < len(spelt) <= MAX_STEMS else {(prefix, False)}
    return {(prefix, False)}


def _second_word(stem: str) -> tuple[int, int, int] | None:
    """Where a stem's first word ends and its second word starts and ends, or None for a
    stem of one word. Words are runs of word characters, as in the scanned text."""
    first = WORD_RUN.match(stem).end()
    if first == len(stem):
        return None
    start = NON_WORD_RUN.match(stem, first).end()
    return first, start, WORD_RUN.match(stem, start).end()


def _second_of(stem: str) -> str:
    """A stem's second word ("" if the stem stops before it)."""
    _, start, end = _second_word(stem)
    return stem[start:end]


def _viable(stem: str, ends: bool, word: str) -> bool:
    """Whether a match with this stem can start at an occurrence of ``word``.

    A stem of one word that ends the match must be the word (the match ends at a word
    boundary); one that goes on must begin it; a stem of several words must have the word
    as its first.
    """
    second = _second_word(stem)
    if second is None:
        return stem == word if ends else word.startswith(stem)
    return stem[:second[0]] == word


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
    ("depress" on "depressed"), or only on itself where the match ends with it ("child");
    a stem of several words ("the panel", "co-sleep", "mother's partner") only where the
    next word begins with its second, so common words such as "the", "not" or "mother"
    reach ``re`` only before the few words that can follow them in a pattern. Words that
    start nothing are remembered and skipped with a set difference.
    """

    def __init__(self, raw: dict[str, list[str]] | None = None) -> None:
        raw = raw or _raw()
        self._prefix: dict[str, set[str]] = {}  # one-word stem that goes on -> concepts
        self._whole: dict[str, set[str]] = {}   # one-word stem that ends a match -> concepts
        self._phrase: dict[str, dict[str, set[str]]] = {}  # first word -> stem to the end
        #                                                     of its second word -> concepts
        self._alternatives: dict[str, list[tuple[str, set[tuple[str, bool]], bool]]] = {}
        for concept in CONCEPTS:
            for alternative in raw[concept]:
                parsed = list(sre_parse.parse(alternative))
                stems = _stems(parsed)
                self._alternatives.setdefault(concept, []).append(
                    (alternative, stems, _inside_word(parsed)))
                for stem, ends in stems:
                    if not WORD_CHAR.match(stem):
                        raise ValueError(f"lexicon pattern {alternative!r} ({concept}) has "
                                         "no literal first letter; the scanner cannot index it")
                    second = _second_word(stem)
                    if second is None:
                        table = self._whole if ends else self._prefix
                        table.setdefault(stem, set()).add(concept)
                    else:
                        self._phrase.setdefault(stem[:second[0]], {}).setdefault(
                            stem[:second[2]], set()).add(concept)
        self._triggers: dict[str, _Trigger] = {}
        seconds = sorted({_second_of(phrase) for phrases in self._phrase.values()
                          for phrase in phrases})
        if len(seconds) > 64 * _MASK_WORDS:
            raise ValueError(f"the lexicon's phrases have {len(seconds)} different second "
                             f"words; at most {64 * _MASK_WORDS} are supported")
        self._second_bit = {w: k for k, w in enumerate(seconds)}
        self._second_lengths = sorted({len(w) for w in seconds})
        self._begins_memo: dict[str, tuple[int, ...]] = {}
        self._inert: set[str] = set()

    def _begins(self, word: str) -> tuple[int, ...]:
        """The phrases' second words ``word`` begins with, as a bit set (memoised)."""
        if (bits := self._begins_memo.get(word)) is not None:
            return bits
        found = [self._second_bit[word[:n]] for n in self._second_lengths
                 if n <= len(word) and word[:n] in self._second_bit]
        if len(self._begins_memo) > 1_000_000:
            self._begins_memo.clear()
        bits = self._begins_memo[word] = _bit_set(found)
        return bits

    def _trigger(self, word: str) -> _Trigger | None:
        """Where in a passage this word can start a concept (memoised per word)."""
        if word in self._triggers:
            return self._triggers[word]
        found: set[str] = set(self._whole.get(word, ()))
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
        where = re.compile(re.escape(word) + "(?:" + "|".join(tails) + ")") if phrases else None
        # per concept, its step where a phrase follows, and where none does (at most
        # occurrences, where a pattern that can only leave the word by a phrase is decided
        # by the word alone): (index, match length or -1 for 'ask re', pattern)
        at_phrase, alone = {}, {}
        for c in set().union(*concepts.values()):
            pattern, local, gated = self._patterns_at(word, c)
            m = pattern.match(word) if local or gated else None
            length = m.end() if m else 0
            at_phrase[c] = (_CONCEPT_INDEX[c], length if local else -1, pattern)
            alone[c] = (_CONCEPT_INDEX[c], length if local or gated else -1, pattern)
        plans = {text: tuple(at_phrase[c] for c in sorted(cs)) for text, cs in concepts.items()}
        own = plans[word] = tuple(alone[c] for c in sorted(concepts[word]))
        seconds = _bit_set([self._second_bit[_second_of(stem)] for stem in ordered])
        trigger = _Trigger(where, seconds, plans, own, tuple(step for step in own if step[1] < 0))
        self._triggers[word] = trigger
        return trigger

    def _patterns_at(self, word: str, concept: str) -> tuple[re.Pattern[str], bool, bool]:
        """The concept's pattern cut to the alternatives that can start at ``word``;
        whether every one of them stays inside a word; and whether those that can leave
        it can only do so by a phrase (a stem of two words or more, registered as such).

        Same matches there as the whole pattern (the others cannot start at this word,
        and the order of the rest is kept), at a fraction of the cost.
        """
        kept, local, gated = [], True, True
        for alternative, stems, inside in self._alternatives[concept]:
            viable = [(stem, ends) for stem, ends in stems if _viable(stem, ends, word)]
            if not viable:
                continue
            kept.append(alternative)
            if not inside:
                local = False
                gated = gated and all(_second_of(stem) if _second_word(stem) else ends
                                      for stem, ends in viable)
        return _alternation(kept), local, gated

    def scan(self, texts: Sequence[str]) -> Scans:
        """Concept spans, words and sentences of a batch of passages."""
        lower = [t.lower() for t in texts]
        # NUL joins the passages: no pattern matches it, and each match is also cut at
        # its passage's end (``endpos``), so spans are those of each passage alone
        joined = "\x00".join(lower)
        lengths = np.fromiter(map(len, lower), dtype=np.int64, count=len(lower))
        offsets = np.cumsum(lengths + 1) - lengths - 1
        ends = offsets + lengths
        moved = lengths != np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        words_table, spaces_table = _class_tables()
        is_word = words_table[codes]
        token_start = np.flatnonzero(is_word & ~_shifted(is_word))
        # the words are the runs of word characters (``WORD.findall``): blank every other
        # character and split on the blanks, at C speed (no word character is a space)
        tokens = np.where(is_word, codes, np.uint32(32)).tobytes().decode(
            "utf-32-le", "surrogatepass").split()
        words = list(dict.fromkeys(tokens))
        index = dict(zip(words, range(len(words)), strict=True))
        token_word = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64,
                                 count=len(tokens))
        # a sentence starts after each run of whitespace that follows . ! or ?: step on
        # from each stop followed by a space to the run's end (runs are short)
        padded = np.append(codes, 0)  # NUL: not a space, so every run ends
        after = np.flatnonzero((codes == 46) | (codes == 33) | (codes == 63)) + 1
        after = after[spaces_table[padded[after]]]
        moving = np.arange(len(after))
        while len(moving):
            after[moving] += 1
            moving = moving[spaces_table[padded[after[moving]]]]
        sentence_starts = np.union1d(offsets, after)

        inert = self._inert
        triggers = [None if w in inert else self._trigger(w) for w in words]
        spans = self._spans(joined, triggers, words, token_word, token_start, offsets, ends)
        return Scans(lower, moved, joined, words, index, token_word, token_start, offsets,
                     sentence_starts, spans[:, 0], spans[:, 1], spans[:, 2])

    def _spans(self, joined: str, triggers: list[_Trigger | None], words: list[str],
               token_word: np.ndarray, token_start: np.ndarray, offsets: np.ndarray,
               ends: np.ndarray) -> np.ndarray:
        """(concept, start, end) rows of every concept span in the joined text.

        Spans fixed by the word alone are laid down with numpy; only occurrences that may
        start a phrase or a pattern leaving the word go through ``re``, in reading order
        (a concept's matches do not overlap, as with ``finditer``).
        """
        n_words = len(words)
        if not n_words:
            return np.zeros((0, 3), dtype=np.int64)
        has = np.array([t is not None for t in triggers])
        occurrences = np.flatnonzero(has[token_word])
        occ_word = token_word[occurrences]
        # an occurrence may start a phrase only if the next word begins with one of the
        # second words of its phrases: bit sets of second words, one row per word
        following = np.append(token_word, n_words)[occurrences + 1]
        seconds = np.array([t.seconds if t is not None else (0,) * _MASK_WORDS
                            for t in triggers], dtype=np.uint64)
        asking = seconds[occ_word].any(axis=1)
        begins = np.zeros((n_words + 1, _MASK_WORDS), dtype=np.uint64)
        after = np.unique(following[asking])
        after = after[after < n_words]
        if len(after):
            begins[after] = [self._begins(words[w]) for w in after.tolist()]
        in_phrase = asking & (begins[following] & seconds[occ_word]).any(axis=1)
        # occurrences with a concept that must be matched with re, or a possible phrase
        regex_word = np.array([t is not None and bool(t.asked) for t in triggers])
        loop = in_phrase | regex_word[occ_word]
        found: list[tuple[int, int, int]] = []
        last = [0] * len(CONCEPTS)
        starts = token_start[occurrences]
        passage_end = ends[np.searchsorted(offsets, starts, side="right") - 1]
        for pos, w, end, whole in zip(starts[loop].tolist(), occ_word[loop].tolist(),
                                      passage_end[loop].tolist(), in_phrase[loop].tolist(),
                                      strict=True):
            trigger = triggers[w]
            plan = trigger.asked
            if whole:
                m = trigger.where.match(joined, pos, end)
                if m is None:
                    continue
                plan = trigger.plans.get(m.group(), trigger.own)
            for c, length, pattern in plan:
                if pos < last[c]:
                    continue
                if length < 0:
                    m = pattern.match(joined, pos, end)
                    length = m.end() - pos if m else 0
                if length:
                    found.append((c, pos, pos + length))
                    last[c] = pos + length
        matched = np.array(found, dtype=np.int64).reshape(-1, 3)
        # the rest: each occurrence's word decides its spans
        table = [(w, c, n) for w, t in enumerate(triggers) if t is not None
                 for c, n, _ in t.own if n > 0]
        fixed = np.array(table, dtype=np.int64).reshape(-1, 3)
        fixed = fixed[np.argsort(fixed[:, 0], kind="stable")]
        fixed_word, fixed_concept, fixed_len = fixed.T
        per_word = np.bincount(fixed_word, minlength=n_words)
        first = np.concatenate([[0], np.cumsum(per_word)[:-1]])
        simple = occurrences[~in_phrase]
        counts = per_word[token_word[simple]]
        occ = np.repeat(simple, counts)
        within = np.arange(len(occ)) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = first[token_word[occ]] + within
        pos = token_start[occ]
        laid = np.column_stack([fixed_concept[rows], pos, pos + fixed_len[rows]])
        # drop those inside an earlier re match of the same concept
        covered = np.zeros(len(laid), dtype=bool)
        for c in np.unique(matched[:, 0]).tolist():
            mine = matched[matched[:, 0] == c]
            here = np.flatnonzero(laid[:, 0] == c)
            before = np.searchsorted(mine[:, 1], laid[here, 1], side="right") - 1
            covered[here] = (before >= 0) & (mine[before.clip(0), 2] > laid[here, 1])
        return np.vstack([matched, laid[~covered]])


Step = tuple[int, int, re.Pattern[str]]  # concept index, match length (-1: ask re), pattern


@dataclass(frozen=True)
class _Trigger:
    """What a word can start: the phrases it begins and, per matched text, the concepts to
    try there. A concept whose pattern cannot leave the word has its match length fixed
    once (0: no match), so only the others are asked of ``re`` at each occurrence."""

    where: re.Pattern[str] | None    # the phrases the word begins (None: it begins none)
    seconds: tuple[int, ...]         # their second words (or those words' starts), a bit set
    plans: dict[str, tuple[Step, ...]]  # matched text (word or phrase) -> steps
    own: tuple[Step, ...]            # the steps for the word alone
    asked: tuple[Step, ...]          # those of them that need re


_CONCEPT_INDEX = {c: i for i, c in enumerate(CONCEPTS)}
_MASK_WORDS = 8  # bit sets of up to 512 second words, as 8 unsigned 64-bit integers


def _bit_set(bits: list[int]) -> tuple[int, ...]:
    words = [0] * _MASK_WORDS
    for bit in bits:
        words[bit // 64] |= 1 << (bit % 64)
    return tuple(words)


def _inside_word(items: list) -> bool:
    """Whether a parsed pattern can only match word characters (and boundaries)."""
    for op, av in items:
        if op is sre.LITERAL:
            if not WORD_CHAR.fullmatch(chr(av)):
                return False
        elif op is sre.IN:
            if not all(o is sre.LITERAL and WORD_CHAR.fullmatch(chr(v))
                       or o is sre.CATEGORY and v in (sre.CATEGORY_DIGIT, sre.CATEGORY_WORD)
                       or o is sre.RANGE and all(WORD_CHAR.fullmatch(chr(x)) for x in
                                                 range(v[0], v[1] + 1))
                       for o, v in av):
                return False
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            if not _inside_word(list(av[2])):
                return False
        elif op is sre.SUBPATTERN:
            if not _inside_word(list(av[-1])):
                return False
        elif op is sre.BRANCH:
            if not all(_inside_word(list(b)) for b in av[1]):
                return False
        elif op is not sre.AT:
            return False
    return True


@lru_cache(maxsize=1)
def _class_tables() -> tuple[np.ndarray, np.ndarray]:
    """Which code points ``re`` counts as \\w and \\s (built once, a plane at a time to
    keep the memory small: about 0.2 s)."""
    tables = (np.zeros(0x110000, dtype=bool), np.zeros(0x110000, dtype=bool))
    for start in range(0, 0x110000, 0x10000):
        plane = "".join(map(chr, range(start, start + 0x10000)))
        for table, pattern in zip(tables, (WORD_CHAR, SPACE_CHAR), strict=True):
            table[[start + m.start() for m in pattern.finditer(plane)]] = True
    return tables


def _shifted(flags: np.ndarray) -> np.ndarray:
    """``flags`` moved one place later, padded with False."""
    out = np.zeros_like(flags)
    out[1:] = flags[:-1]
    return out


def strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def scanner() -> Scanner:
    """The scanner for the shipped lexicon (built once per process: it is read-only)."""
    return Scanner()


def scan_all(texts: Sequence[str]) -> Scans:
    """Lexicon scan of a batch of passages (one pass, shared by every later stage)."""
    return scanner().scan(texts)


def concept_spans(concept: str, text: str, scans: Scans | None = None, i: int = 0
                  ) -> list[Span]:
    """Character spans of a concept in ``text`` (passage ``i`` of ``scans``), case-insensitive.

    Spans found on the lowercased text are the original's when lowercasing keeps every
    offset (almost always: a few characters such as 'İ' change length).
    """
    scans = scans if scans is not None else scan_all([text])
    if not scans.moved[i]:
        return scans.spans(i).get(concept, [])
    return [m.span() for m in _compile(concept, re.IGNORECASE).finditer(text)]
