"""Review-level facts that single passages cannot see: the child's age band and names.

``preschool_parental_mh`` depends on the age of the review's child, which is often
stated once, in the family background, and never near the passages about a parent's
mental health. Age phrases are found with spaCy's Matcher over the passages that can
hold one (a cheap regex pre-filter keeps the tokenizer off the rest).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from spacy.matcher import Matcher

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
PREFILTER = re.compile(
    r"\b(?:aged?|old|months?|weeks?|years?|born|baby|infant|newborn|unborn|toddler|nursery|"
    r"primary|secondary|gcse|sixth form|reception)\b", re.IGNORECASE)
# Every age phrase the Matcher can turn into a vote has a number (digits or a word up to
# twenty) next to a unit, or follows "aged" or "Year": only those passages are tokenized.
AGE_CUE = re.compile(
    r"\b(?:aged\s+\w|year\s+\d|(?:\d+|" + "|".join(NUMBER_WORDS)
    + r")[\s-]+(?:days?|weeks?|months?|years?)\b)", re.IGNORECASE)
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


def detect_age(texts: Sequence[str], title: str | None = None,
               names: Sequence[str] = ()) -> tuple[str | None, str | None]:
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
    candidates = [(i, t) for i, t in enumerate(texts) if PREFILTER.search(t)]
    spoken = [(i, t) for i, t in candidates if AGE_CUE.search(t)]
    docs = dict(zip((i for i, _ in spoken),
                    nlp.tokenizer.pipe([t for _, t in spoken], batch_size=256), strict=True))
    for i, text in candidates:
        early = 1.5 if i < 0.4 * n else 1.0
        doc = docs.get(i)
        for match_id, start, end in _longest(matcher(doc)) if doc is not None else ():
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
            span_text = text[max(0, span.start_char - 100):span.end_char + 100]
            if band and name_re is not None and name_re.search(span_text):
                weight *= 2
            if band:
                votes[band] += weight * early
                if best is None or weight * early > best[0]:
                    best = (weight * early, _window(text, span.start_char, span.end_char))
        lower = text.lower()
        for band, words in KEYWORDS.items():
            hits = sum(lower.count(w) for w in words)
            votes[band] += min(hits, 3) * 0.5 * early
    band = max(votes, key=votes.get)
    if votes[band] < 1.0:
        return None, None
    return band, (best[1] if best else None)


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
    seen: dict[str, int] = {}
    for text in texts:
        for word in set(CAPITALISED.findall(text)) - NOT_NAMES:
            seen[word] = seen.get(word, 0) + 1
    if not seen:
        return None
    word, n = max(seen.items(), key=lambda kv: kv[1])
    return word if n >= max(3, len(texts) // 10) else None


def review_context(texts: Sequence[str], title: str | None = None) -> ReviewContext:
    """Age band and names of the review's child, from its passages in reading order."""
    names = tuple(n for n in child_names(texts, title) if n.split()[-1] not in NOT_NAMES)
    if title is None and (name := frequent_name(texts)) and name not in names:
        names = (*names, name)
    band, evidence = detect_age(texts, title, names)
    return ReviewContext(band, evidence, names)
