"""Review-level facts that single passages cannot see: the child's age band and names.

``preschool_parental_mh`` depends on the age of the review's child, which is often
stated once, in the family background, and never near the passages about a parent's
mental health. Age phrases are found with spaCy's Matcher, and only around the few age
cues a passage has: the cues, names and keywords are read off a batch's lexicon scan
(``Scans``) for all its reviews at once, since per-passage Python work cost more than
the Matcher itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
from spacy.matcher import Matcher

from pipeline.lexicon import WORD, WORD_CHAR, Scans, scan_all
from pipeline.nlp import blank_english
from pipeline.records import ReviewContext

_NUMBERS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty")
NUMBER_WORDS = {w: i for i, w in enumerate(_NUMBERS.split())}
UNITS = {"day": 1 / 365, "days": 1 / 365, "week": 1 / 52, "weeks": 1 / 52, "month": 1 / 12,
         "months": 1 / 12, "year": 1.0, "years": 1.0}
OTHER_PEOPLE = {"brother", "sister", "sibling", "siblings", "half-sibling", "mother", "father",
                "mum", "dad", "partner", "cousin", "stepfather", "stepmother", "uncle", "aunt",
                "grandmother", "grandfather", "friend", "boyfriend", "girlfriend", "adult", "man",
                "woman", "perpetrator", "parents", "sisters", "brothers", "half"}
PREFILTER = frozenset({
    "age", "aged", "old", "month", "months", "week", "weeks", "year", "years", "born", "baby",
    "infant", "newborn", "unborn", "toddler", "nursery", "primary", "secondary", "gcse", "sixth",
    "reception"})
# Every age phrase the Matcher can turn into a vote has a number (digits or a word up to
# twenty) next to a unit, or follows "aged" or "Year": only the words around such cues are
# tokenized. The cues are those of these expressions on the lowercased passage,
#   r"\b(?:aged\s+\w|year\s+\d)"  and  r"(?:day|week|month|year)s?\b"  preceded by
#   r"\b(?:\d+|zero|one|...|twenty)[\s-]+$" in the 12 characters before it,
# found on the scan's tokens instead: a cue's words are whole tokens, so a unit cue is a
# unit word right after a number word, apart only by spaces and hyphens.
CUE_GAP = re.compile(r"[\s-]+")
BABY_TITLE = re.compile(r"\b(?:Baby|Babies|Infant)\b")
# CHILD_NAME without its leading \b, which makes ``re`` try every position: the word
# start is checked on each match instead (see ``_word_start_matches``)
CHILD_NAME = re.compile(r"(?:Child|Baby|Young Person|YP|Infant)\s+([A-Z][A-Za-z0-9]{0,10})\b")
TITLE_WORD = re.compile(r"\b[A-Z][A-Za-z0-9]*\b")
TITLE_STOP = {
    "Local", "Child", "Children", "Childrens", "Safeguarding", "Practice", "Review", "Reviews",
    "Learning", "Rapid", "Thematic", "Extended", "Concise", "Serious", "Case", "Story", "The",
    "A", "An", "Of", "In", "For", "From", "Concerning", "Respect", "Overview", "Report", "Young",
    "Person", "People", "Baby", "Babies", "Infant", "Infants", "Death", "Deaths", "Injury",
    "Partnership", "Board", "Executive", "Summary", "Final", "Where", "Mothers", "Fathers", "By",
    "And", "To", "With", "Four", "Three", "Two", "Teenage", "Boys", "Girls", "Criminal",
    "Exploitation", "Suicide", "Perinatal", "Mental", "Illness", "Experienced", "Multi", "Agency",
}
QUOTED_NAME = re.compile(r"(?:called|named|known as|pseudonym)\s+[‘'\"“]?([A-Z][a-z]{2,12})")
NAME_PASSAGES = 15  # reviews introduce their child early
KEYWORDS = {
    "under_5": ("newborn", "unborn", "infant", "toddler", "nursery", "pre-school", "preschool",
                "non-mobile", "neonatal", "pre-birth", "baby"),
    "5_to_10": ("primary school", "primary-school", "key stage 2", "infant school",
                "junior school"),
    "11_to_17": ("secondary school", "gcse", "gcses", "sixth form", "college", "year 10",
                 "year 11", "teenager", "adolescent", "young person"),
}
BANDS = tuple(KEYWORDS)


# keywords of one word are looked up in the passage's words; phrases (and hyphenated
# words, which the tokens split) are counted where their first word is one of the passage's
KEYWORD_SETS = {
    band: (frozenset(w for w in words if " " not in w and "-" not in w),
           tuple(w for w in words if " " in w or "-" in w))
    for band, words in KEYWORDS.items()
}


def _first_word(phrase: str) -> str:
    return WORD.match(phrase).group()  # type: ignore[union-attr]


WATCHED = (PREFILTER | set(UNITS) | {"aged"}
           | {w for single, _ in KEYWORD_SETS.values() for w in single}
           | {_first_word(p) for _, phrases in KEYWORD_SETS.values() for p in phrases})
Span = tuple[int, int]


class _Batch:
    """A batch's passages grouped into reviews, with what every stage reads of its scan.

    Per passage: its review (``review``) and place in it (``rank``). The tokens of the
    few words the age rules look at (``WATCHED``) are picked out of the scan once.
    """

    def __init__(self, texts: Sequence[str], review: np.ndarray, n_reviews: int,
                 scans: Scans) -> None:
        if len(scans) != len(texts):
            raise ValueError(f"scans of {len(scans)} passages given for {len(texts)} texts")
        self.texts, self.scans, self.review = texts, scans, review
        self.size = np.bincount(review, minlength=n_reviews)
        order = np.argsort(review, kind="stable")
        self.rank = np.empty(len(review), dtype=np.int64)
        self.rank[order] = (np.arange(len(review))
                            - np.repeat(np.cumsum(self.size) - self.size, self.size))
        self.index = scans.index
        self.watched = np.flatnonzero(self.word_mask(WATCHED)[scans.token_word])

    def word_mask(self, words: Iterable[str]) -> np.ndarray:
        mask = np.zeros(len(self.scans.words), dtype=bool)
        mask[np.array([self.index[w] for w in words if w in self.index], dtype=np.int64)] = True
        return mask

    def passages_with(self, words: Iterable[str]) -> np.ndarray:
        """Per passage, how many of these (watched) words it has, each counted once."""
        ids = self.scans.token_word[self.watched]
        hit = self.watched[self.word_mask(words)[ids]]
        n_words = max(len(self.scans.words), 1)
        pairs = np.unique(self.scans.token_passage[hit] * n_words + self.scans.token_word[hit])
        return np.bincount(pairs // n_words, minlength=len(self.texts))


def _band(age: float) -> str | None:
    if age < 0 or age >= 18:
        return None
    if age < 5:
        return "under_5"
    return "5_to_10" if age < 11 else "11_to_17"


@lru_cache(maxsize=1)
def _matcher() -> Matcher:
    nlp = blank_english()
    num = {"LIKE_NUM": True}
    unit = {"LOWER": {"IN": list(UNITS)}}
    m = Matcher(nlp.vocab)
    m.add("AGE_OLD", [[num, {"ORTH": "-", "OP": "?"}, unit, {"ORTH": "-", "OP": "?"},
                       {"LOWER": "old"}]])
    m.add("AGE_OLD", [[num, {"LOWER": {"IN": ["year", "years"]}}, {"LOWER": "and"}, num,
                       {"LOWER": {"IN": ["month", "months"]}}, {"LOWER": "old"}]])
    m.add("AGED", [[{"LOWER": "aged"}, num, unit], [{"LOWER": "aged"}, num]])
    m.add("SCHOOL_YEAR", [[{"ORTH": "Year"}, {"IS_DIGIT": True}]])
    return m


def _may_match(window: str) -> bool:
    """Whether a window has a word every pattern of its rule needs ('old', 'aged',
    'Year'): two windows in three have none, and need neither tokenizer nor Matcher."""
    lower = window.lower()
    return "old" in lower or "aged" in lower or "Year" in window


def _number(text: str) -> float | None:
    text = text.lower()
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    try:
        return float(text)
    except ValueError:
        return None


def detect_ages(batch: _Batch, titles: Sequence[str | None],
                names: Sequence[Sequence[str]]) -> list[tuple[str | None, str | None]]:
    """Per review, vote over age phrases; explicit ages outweigh school stages and keywords.

    The first explicit age and ages stated near the child's name count double:
    reviews state the subject child's age first, then mention siblings' ages.
    Returns each review's (band, evidence), or (None, None) when the votes are too few.
    """
    texts, review = batch.texts, batch.review
    votes = np.zeros((len(titles), len(BANDS)))
    best: list[tuple[float, str] | None] = [None] * len(titles)
    for r, title in enumerate(titles):
        if title and BABY_TITLE.search(title):
            votes[r, 0] += 6
            best[r] = (6, title)
    candidate = batch.passages_with(PREFILTER) > 0
    early = np.where(batch.rank < 0.4 * np.maximum(batch.size, 1)[review], 1.5, 1.0).tolist()
    windows = [(i, a, b) for i, cues in _cues(batch, candidate).items()
               for a, b in _cue_windows(texts[i], batch.scans.lower[i], cues)
               if _may_match(texts[i][a:b])]
    nlp, matcher = blank_english(), _matcher()
    first = [True] * len(titles)
    name_res = [re.compile("|".join(map(re.escape, ns))) if ns else None for ns in names]
    docs = nlp.tokenizer.pipe([texts[i][a:b] for i, a, b in windows], batch_size=256)
    for (i, offset, _), doc in zip(windows, docs, strict=True):
        r, text = int(review[i]), texts[i]
        for match_id, start, end in _longest(matcher(doc)):
            rule = nlp.vocab.strings[match_id]
            before = {t.lower_ for t in doc[max(0, start - 4):start]}
            if before & OTHER_PEOPLE:
                continue
            span = doc[start:end]
            if rule == "SCHOOL_YEAR":
                year = _number(span[1].text)
                band, weight = (_band(year + 5) if year is not None else None), 2.0
            else:
                nums = [_number(t.text) for t in span if t.like_num]
                value = next((v for v in nums if v is not None), None)
                units = [UNITS[t.lower_] for t in span if t.lower_ in UNITS]
                if value is None:
                    continue
                band, weight = _band(value * (units[0] if units else 1.0)), 3.0
                if band and first[r]:
                    weight, first[r] = weight * 2, False
            if not band:
                continue
            a, b = span.start_char + offset, span.end_char + offset
            if name_res[r] is not None and name_res[r].search(text[max(0, a - 100):b + 100]):
                weight *= 2
            votes[r, BANDS.index(band)] += weight * early[i]
            if best[r] is None or weight * early[i] > best[r][0]:
                best[r] = (weight * early[i], _window(text, a, b))
    # keyword votes: every vote is a multiple of 1/4, so their order cannot change a sum
    rows = np.flatnonzero(candidate)
    weight = np.array(early)[rows] * 0.5
    for k, (single, phrases) in enumerate(KEYWORD_SETS.values()):
        hits = batch.passages_with(single)
        for phrase in phrases:
            first = [_first_word(phrase)]
            for i in np.flatnonzero(candidate & (batch.passages_with(first) > 0)):
                hits[i] += batch.scans.lower[i].count(phrase)
        np.add.at(votes[:, k], review[rows], np.minimum(hits[rows], 3) * weight)
    out: list[tuple[str | None, str | None]] = []
    for r, row in enumerate(votes.tolist()):
        k = max(range(len(BANDS)), key=row.__getitem__)
        out.append((None, None) if row[k] < 1.0 else
                   (BANDS[k], best[r][1] if best[r] else None))
    return out


def _cues(batch: _Batch, candidate: np.ndarray) -> dict[int, list[Span]]:
    """Per candidate passage with any, the sorted spans of its age cues in ``lower``."""
    scans = batch.scans
    words, token_word, token_start = scans.words, scans.token_word, scans.token_start
    token_passage = scans.token_passage
    tok = batch.watched[candidate[token_passage[batch.watched]]]
    found: dict[int, list[Span]] = {}
    # "aged <word>", "year <digit>": cue to the next word's first character; matches do
    # not overlap ("aged year 9" is one cue)
    last = -1
    for k in tok[batch.word_mask(("aged", "year"))[token_word[tok]]].tolist():
        start = int(token_start[k])
        if k + 1 >= len(token_word) or start < last:
            continue
        p = int(token_passage[k])
        if token_passage[k + 1] != p:
            continue
        word, following = words[token_word[k]], int(token_start[k + 1])
        end = start + len(word)
        off = int(scans.offsets[p])
        if not scans.lower[p][end - off:following - off].isspace():
            continue
        if word == "year" and not words[token_word[k + 1]][0].isdecimal():
            continue
        last = following + 1
        found.setdefault(p, []).append((start - off, following + 1 - off))
    # a unit word right after a number, at most 12 characters before it
    units = tok[batch.word_mask(UNITS)[token_word[tok]]]
    units = units[units > 0]
    prev = units - 1
    near = (token_passage[prev] == token_passage[units]) & (
        token_start[prev] >= token_start[units] - 12)
    for k, j in zip(units[near].tolist(), prev[near].tolist(), strict=True):
        number = words[token_word[j]]
        if not (number.isdecimal() or number in NUMBER_WORDS):
            continue
        p = int(token_passage[k])
        off = int(scans.offsets[p])
        start = int(token_start[k]) - off
        if CUE_GAP.fullmatch(scans.lower[p], int(token_start[j]) - off + len(number), start):
            found.setdefault(p, []).append((start, start + len(words[token_word[k]])))
    return {p: sorted(cues) for p, cues in sorted(found.items())}


def _cue_windows(text: str, lower: str, cues: list[Span], before: int = 30, after: int = 40
                 ) -> list[Span]:
    """Stretches of a passage around its age cues, cut at spaces, overlaps merged.

    The Matcher needs a few words either side of a cue, not the whole passage: tokenizing
    only these stretches is most of what made review context cheap.
    """
    out: list[Span] = []
    for start, end in cues:
        a = lower.rfind(" ", 0, max(0, start - before)) + 1
        b = lower.find(" ", min(len(lower), end + after))
        b = len(text) if b == -1 else b
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _longest(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Drop matches inside a longer one ('two months old' inside 'four years and two...')."""
    out: list[tuple[int, int, int]] = []
    for m in sorted(matches, key=lambda m: (m[1], -m[2])):
        if out and m[1] < out[-1][2]:
            continue
        out.append(m)
    return out


def _window(text: str, start: int, end: int, pad: int = 70) -> str:
    a = text.rfind(". ", 0, start)
    b = text.find(". ", end)
    a = a + 2 if a != -1 and start - a < 200 else max(0, start - pad)
    b = b + 1 if b != -1 and b - end < 200 else min(len(text), end + pad)
    return text[a:b].strip()


def child_names(batch: _Batch, titles: Sequence[str | None]) -> list[tuple[str, ...]]:
    """Per review, its own names for its child: 'Child M', 'Baby T', 'KM', a pseudonym.

    From its title and its first fifteen passages, in that order, each name once.
    """
    names: list[list[str]] = [_title_names(title) if title else [] for title in titles]
    rows = np.flatnonzero(batch.rank < NAME_PASSAGES)
    texts = [batch.texts[i] for i in rows]
    joined = "\x00".join(texts)  # no name pattern matches across the NUL
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    offsets = np.cumsum(lengths + 1) - lengths - 1
    # per passage, its 'Child X' names, then its pseudonyms
    found = [(0, m.start(), m.group(0)) for m in _word_start_matches(CHILD_NAME, joined)
             if m.group(1) not in TITLE_STOP]
    found += [(1, m.start(), m.group(1)) for m in QUOTED_NAME.finditer(joined)]
    where = np.searchsorted(offsets, np.array([f[1] for f in found], dtype=np.int64),
                            side="right") - 1
    for row, *_, name in sorted(zip(where.tolist(), *zip(*found, strict=True), strict=True)):
        names[batch.review[rows[row]]].append(name)
    return [tuple(dict.fromkeys(ns)) for ns in names]


def _title_names(title: str) -> list[str]:
    """'Child M', and the title's capitalised non-generic words when there are one or two
    (a pseudonym, initials); more name a theme ('Online Sexual Image Sharing'), not a child."""
    head = re.sub(r"['’]s\b", "", title)
    words = [w for w in TITLE_WORD.findall(head) if w not in TITLE_STOP and len(w) > 1]
    return ([m.group(0) for m in _word_start_matches(CHILD_NAME, head)
             if m.group(1) not in TITLE_STOP] + (words if len(words) <= 2 else []))


def _word_start_matches(pattern: re.Pattern[str], text: str) -> Iterable[re.Match[str]]:
    """``finditer`` of ``r"\\b" + pattern`` (for a pattern starting with a word character),
    but fast: ``re`` skips to a possible first letter only when the pattern starts with one.
    """
    pos = 0
    while m := pattern.search(text, pos):
        if m.start() and WORD_CHAR.match(text, m.start() - 1):  # inside a word: look on
            pos = m.start() + 1
            continue
        yield m
        pos = m.end()


NOT_NAMES = {
    "She", "He", "They", "Her", "His", "Their", "The", "This", "That", "These", "There", "When",
    "What", "Who", "Where", "Why", "How", "It", "In", "On", "At", "By", "For", "From", "With",
    "After", "Before", "During", "Although", "However", "But", "And", "As", "If", "No", "Not",
    "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "We", "Our",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Mother", "Father", "Mum", "Dad", "Police", "Council", "Health",
    "Children", "Child", "Social", "Care", "Services", "Service", "School", "Academy", "Year",
    "Court", "Hospital", "Team", "Board", "Partnership", "Review", "Panel", "Trust", "Practice",
    "Local", "National", "Safeguarding", "Agency", "Agencies", "Learning", "Finding", "Mr",
    "Ms", "Mrs", "Dr", "Nurse", "Officer", "Manager", "England", "Wales", "City", "Street",
    "Road", "General", "Early", "Help", "Family", "Young", "Person", "Baby", "Adult", "Sibling",
    "Recommendation", "Recommendations", "Working", "Together", "Section", "Act", "Unit", "Ward",
    "Each", "Every", "All", "Both", "Some", "Many", "Any", "Flying", "Start", "Pupil",
    "Mortality", "Death", "Overview", "Rapid", "Summary", "Key", "Prevent", "Channel",
}
CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,14}\b")
MAX_NAME = 15  # the longest word CAPITALISED takes


def frequent_names(batch: _Batch) -> list[str | None]:
    """Per review, its most repeated capitalised non-generic word: its pseudonym, usually.

    Used when no title is given (``cspr classify`` input); a name must recur in at least
    a tenth of the review's passages (and three of them) to count. Between names in as
    many passages the first seen wins, and between names first seen in the same passage,
    the earlier in it (the old per-passage version left that to the order of a set, which
    changes from run to run).
    """
    scans, texts, n_words = batch.scans, batch.texts, len(batch.scans.words)
    passage, word, moved = _capitalised(batch)
    extra: dict[str, int] = {}  # names seen only in passages whose lowercasing moved text
    for i in moved:
        names = [n.lower() for n in dict.fromkeys(CAPITALISED.findall(texts[i]))
                 if n not in NOT_NAMES]
        ids = [batch.index[n] if n in batch.index else extra.setdefault(n, n_words + len(extra))
               for n in names]
        passage = np.append(passage, np.full(len(ids), i, dtype=np.int64))
        word = np.append(word, np.array(ids, dtype=np.int64))
    vocab = [*scans.words, *extra]
    # (review, name) groups: in how many passages, and the first of them
    span = len(vocab)
    pairs = np.unique(passage * span + word)
    out: list[str | None] = [None] * len(batch.size)
    if not len(pairs):
        return out
    passage, word = pairs // span, pairs % span
    review = batch.review[passage]
    order = np.lexsort((passage, word, review))
    passage, word, review = passage[order], word[order], review[order]
    new = np.flatnonzero(np.r_[True, (word[1:] != word[:-1]) | (review[1:] != review[:-1])])
    count = np.diff(np.append(new, len(word)))
    first, word, review = passage[new], word[new], review[new]
    ranked = np.lexsort((first, -count, review))
    top = np.flatnonzero(np.r_[True, review[ranked][1:] != review[ranked][:-1]])
    for j in top.tolist():
        g = ranked[j]
        r = int(review[g])
        if count[g] < max(3, int(batch.size[r]) // 10):
            continue
        tied = [ranked[j]]
        while (j := j + 1) < len(ranked) and review[ranked[j]] == r and (
                count[ranked[j]] == count[g] and first[ranked[j]] == first[g]):
            tied.append(ranked[j])
        if len(tied) == 1:
            out[r] = vocab[word[g]].capitalize()
        else:  # first seen in the same passage: the one earlier in it
            found = {vocab[word[t]].capitalize() for t in tied}
            out[r] = next(n for n in CAPITALISED.findall(texts[first[g]]) if n in found)
    return out


def _capitalised(batch: _Batch) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(passage, word) of each capitalised non-generic word (CAPITALISED), from the scan.

    Such a word is a whole token of 3 to 15 ASCII letters, capitalised in the original
    text, which lines up with the lowercased one in all passages but those whose
    lowercasing changed their length (rare: 'İ'); those are returned to be read apart.
    """
    scans, texts = batch.scans, batch.texts
    moved = np.flatnonzero(scans.moved).tolist()
    pieces = list(texts)
    for i in moved:
        pieces[i] = scans.lower[i]  # no capital letters
    codes = np.frombuffer("\x00".join(pieces).encode("utf-32-le", "surrogatepass"),
                          dtype=np.uint32)
    start = scans.token_start
    tok = np.flatnonzero((codes[start] >= 65) & (codes[start] <= 90))  # A-Z
    ids = np.flatnonzero(np.bincount(scans.token_word[tok], minlength=len(scans.words)))
    nameable = np.zeros(len(scans.words), dtype=bool)
    nameable[ids] = [3 <= len(w) <= MAX_NAME and w.isascii() and w.isalpha()
                     and w.capitalize() not in NOT_NAMES
                     for w in map(scans.words.__getitem__, ids.tolist())]
    tok = tok[nameable[scans.token_word[tok]]]
    # the rest of the word in lower case in the original too (a-z), letter by letter
    first, length = start[tok], batch.scans.word_lengths[scans.token_word[tok]]
    lower = np.ones(len(tok), dtype=bool)
    for j in range(1, MAX_NAME):
        alive = np.flatnonzero(lower & (length > j))
        letter = codes[first[alive] + j]
        lower[alive] = (letter >= 97) & (letter <= 122)
    tok = tok[lower]
    return scans.token_passage[tok], scans.token_word[tok], moved


def review_contexts(texts: Sequence[str], doc_ids: Sequence[str], scans: Scans | None = None,
                    titles: Mapping[str, str | None] | None = None) -> dict[str, ReviewContext]:
    """The context of each review in a batch: its passages are those with its doc_id, in
    the order given (reading order). Without ``titles`` (or a review's), no title.

    ``scans`` (the lexicon scan of exactly ``texts``, when the caller has it) saves a pass.
    """
    if len(doc_ids) != len(texts):
        raise ValueError(f"{len(doc_ids)} doc_ids for {len(texts)} texts")
    number: dict[str, int] = {}
    review = np.fromiter((number.setdefault(d, len(number)) for d in doc_ids),
                         dtype=np.int64, count=len(doc_ids))
    titles = titles or {}
    found = _contexts(texts, review, [titles.get(d) for d in number], scans)
    return dict(zip(number, found, strict=True))


def review_context(texts: Sequence[str], title: str | None = None,
                   scans: Scans | None = None) -> ReviewContext:
    """Age band and names of the review's child, from its passages in reading order."""
    return _contexts(texts, np.zeros(len(texts), dtype=np.int64), [title], scans)[0]


def _contexts(texts: Sequence[str], review: np.ndarray, titles: Sequence[str | None],
              scans: Scans | None) -> list[ReviewContext]:
    batch = _Batch(texts, review, len(titles), scans if scans is not None else scan_all(texts))
    untitled = [t is None for t in titles]
    frequent = frequent_names(batch) if any(untitled) else [None] * len(titles)
    names = []
    for own, name, bare in zip(child_names(batch, titles), frequent, untitled, strict=True):
        own = tuple(n for n in own if n.split()[-1] not in NOT_NAMES)
        names.append((*own, name) if bare and name and name not in own else own)
    ages = detect_ages(batch, titles, names)
    return [ReviewContext(band, evidence, ns) for (band, evidence), ns in zip(ages, names,
                                                                           strict=True)]
