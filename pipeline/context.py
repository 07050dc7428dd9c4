"""Review-level facts that single passages cannot see: the child's age band and names.

``preschool_parental_mh`` depends on the age of the review's child, which is often
stated once, in the family background, and never near the passages about a parent's
mental health. Age phrases are found with spaCy's Matcher over the passages that can
hold one (a cheap regex pre-filter keeps the tokenizer off the rest).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

from spacy.matcher import Matcher
from spacy.tokens import Doc

from pipeline.lexicon import Scan, scan_all
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
# tokenized. Cues, on lowercased text: "aged 7", "year 9", or a unit word with a number
# just before it ("seven months", "15-year"); the unit is found first (re finds literals fast).
AGED_CUE = re.compile(r"\b(?:aged\s+\w|year\s+\d)")
UNIT_CUE = re.compile(r"(?:day|week|month|year)s?\b")
NUMBER_BEFORE = re.compile(r"\b(?:\d+|" + "|".join(NUMBER_WORDS) + r")[\s-]+$")
CHILD_NAME = re.compile(r"\b(?:Child|Baby|Young Person|YP|Infant)\s+([A-Z][A-Za-z0-9]{0,10})\b")
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
KEYWORDS = {
    "under_5": ("newborn", "unborn", "infant", "toddler", "nursery", "pre-school", "preschool",
                "non-mobile", "neonatal", "pre-birth", "baby"),
    "5_to_10": ("primary school", "primary-school", "key stage 2", "infant school",
                "junior school"),
    "11_to_17": ("secondary school", "gcse", "gcses", "sixth form", "college", "year 10",
                 "year 11", "teenager", "adolescent", "young person"),
}


# keywords of one word are looked up in the passage's word set; phrases are counted
KEYWORD_SETS = {
    band: (frozenset(w for w in words if " " not in w and "-" not in w),
           tuple(w for w in words if " " in w or "-" in w))
    for band, words in KEYWORDS.items()
}


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


def _number(text: str) -> float | None:
    text = text.lower()
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    try:
        return float(text)
    except ValueError:
        return None


def detect_age(texts: Sequence[str], title: str | None = None, names: Sequence[str] = (),
               scans: Sequence[Scan] | None = None) -> tuple[str | None, str | None]:
    """Vote over age phrases; explicit ages outweigh school stages and keywords.

    The first explicit age and ages stated near the child's name count double:
    reviews state the subject child's age first, then mention siblings' ages.
    """
    votes = {"under_5": 0.0, "5_to_10": 0.0, "11_to_17": 0.0}
    best: tuple[float, str] | None = None
    if title and re.search(r"\b(?:Baby|Babies|Infant)\b", title):
        votes["under_5"] += 6
        best = (6, title)
    nlp, matcher = blank_english(), _matcher()
    name_re = (re.compile("|".join(re.escape(n) for n in names)) if names else None)
    first = True
    n = max(len(texts), 1)
    scans = scans if scans is not None else scan_all(texts)
    candidates = [(i, t) for i, (t, scan) in enumerate(zip(texts, scans, strict=True))
                  if not PREFILTER.isdisjoint(scan.words)]
    windows = [(i, w) for i, text in candidates for w in _cue_windows(text, scans[i].lower)]
    docs: dict[int, list[tuple[int, Doc]]] = {}
    for (i, (a, _)), doc in zip(windows, nlp.tokenizer.pipe(
            [texts[i][a:b] for i, (a, b) in windows], batch_size=256), strict=True):
        docs.setdefault(i, []).append((a, doc))
    for i, text in candidates:
        early = 1.5 if i < 0.4 * n else 1.0
        for offset, doc in docs.get(i, ()):
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
                    if band and first:
                        weight, first = weight * 2, False
                a, b = span.start_char + offset, span.end_char + offset
                if band and name_re is not None and name_re.search(text[max(0, a - 100):b + 100]):
                    weight *= 2
                if band:
                    votes[band] += weight * early
                    if best is None or weight * early > best[0]:
                        best = (weight * early, _window(text, a, b))
        scan = scans[i]
        for band, (single, phrases) in KEYWORD_SETS.items():
            hits = len(scan.words & single) + sum(
                scan.lower.count(p) for p in phrases if p.split()[0] in scan.words)
            votes[band] += min(hits, 3) * 0.5 * early
    band = max(votes, key=votes.get)
    if votes[band] < 1.0:
        return None, None
    return band, (best[1] if best else None)


def _cue_windows(text: str, lower: str, before: int = 30, after: int = 40
                 ) -> list[tuple[int, int]]:
    """Stretches of a passage around its age cues, cut at spaces, overlaps merged.

    The Matcher needs a few words either side of a cue, not the whole passage: tokenizing
    only these stretches is most of what made review context cheap.
    """
    cues = [m.span() for m in AGED_CUE.finditer(lower)] + [
        m.span() for m in UNIT_CUE.finditer(lower)
        if NUMBER_BEFORE.search(lower, max(0, m.start() - 12), m.start())]
    out: list[tuple[int, int]] = []
    for start, end in sorted(cues):
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


def child_names(texts: Sequence[str], title: str | None = None) -> tuple[str, ...]:
    """The review's own names for its child: 'Child M', 'Baby T', 'KM', a pseudonym."""
    names: list[str] = []
    if title:
        head = re.sub(r"['’]s\b", "", title)
        names += [m.group(0) for m in CHILD_NAME.finditer(head) if m.group(1) not in TITLE_STOP]
        names += [w for w in TITLE_WORD.findall(head) if w not in TITLE_STOP and len(w) > 1]
    for text in texts[:15]:
        names += [m.group(0) for m in CHILD_NAME.finditer(text) if m.group(1) not in TITLE_STOP]
        names += QUOTED_NAME.findall(text)
    return tuple(dict.fromkeys(names))


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


def frequent_name(texts: Sequence[str]) -> str | None:
    """The review's most repeated capitalised non-generic word: its pseudonym, usually.

    Used when no title is given (``cspr classify`` input); a name must recur in at least
    a tenth of the passages (and three of them) to count.
    """
    seen = Counter(chain.from_iterable(set(CAPITALISED.findall(text)) for text in texts))
    for word, n in seen.most_common():
        if word not in NOT_NAMES:
            return word if n >= max(3, len(texts) // 10) else None
    return None


def review_context(texts: Sequence[str], title: str | None = None,
                   scans: Sequence[Scan] | None = None) -> ReviewContext:
    """Age band and names of the review's child, from its passages in reading order.

    ``scans`` (the passages' lexicon scans, when the caller has them) saves a pass.
    """
    names = tuple(n for n in child_names(texts, title) if n.split()[-1] not in NOT_NAMES)
    if title is None and (name := frequent_name(texts)) and name not in names:
        names = (*names, name)
    band, evidence = detect_age(texts, title, names, scans)
    return ReviewContext(band, evidence, names)
