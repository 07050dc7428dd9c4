"""The batch lexicon scanner finds exactly what the lexicon's regular expressions find."""

from __future__ import annotations

import random
import re

import pytest

from pipeline.formats import read_labelled
from pipeline.lexicon import CONCEPTS, WORD, Scanner, _compile, concept_spans, scan_all
from pipeline.train import CORPUS_PASSAGES

TRICKY = [
    "The parents' GP prescribed sertraline; the mother's post-natal depression was not shared.",
    "No strategy discussion was held and no-one asked who else lived there. Self-harm, SELF HARM.",
    "Child and adolescent mental health services (CAMHS/sCAMHS) saw Baby T at 7-month-old review.",
    "Year 9: he didn't want to be here; she was cutting her arms; in hindsight, too late.",
    "Théo's mum — anxious, paranoid — rang the crisis line twice (2022); Mr. Jones, adult A.",
    "",
]


def _reference(text: str) -> dict[str, list[tuple[int, int]]]:
    lower = text.lower()
    found = {c: [m.span() for m in _compile(c).finditer(lower)] for c in CONCEPTS}
    return {c: spans for c, spans in found.items() if spans}


@pytest.mark.parametrize("text", TRICKY)
def test_scan_equals_the_regular_expressions_on_tricky_text(text: str) -> None:
    assert scan_all([text]).spans(0) == _reference(text)


def test_scan_equals_the_regular_expressions_on_the_corpus() -> None:
    texts = [p.text for p in read_labelled(CORPUS_PASSAGES)[1][::7]]
    scans = scan_all(texts)
    assert [scans.spans(i) for i in range(len(texts))] == [_reference(t) for t in texts]


def test_scan_equals_the_regular_expressions_on_stems_glued_every_way() -> None:
    """The scanner decides most occurrences from the next word alone (a stem such as
    "co-sleep" or "mother's partner" can only leave its first word by a literal second
    one); stems, near misses and separators strung together at random test that."""
    scanner = Scanner()
    pieces = sorted({*scanner._prefix, *scanner._whole, *scanner._phrase,
                     *(p for phrases in scanner._phrase.values() for p in phrases)})
    pieces += ["child", "children", "mother's", "not", "no", "2022", "7", "co", "'s", "s",
               "one", "month", "week", "old", "the", "was", "ms. jones", "restricting her food",
               "opportunities to act were missed", "delayed in"]
    separators = [" ", "-", "'", "\u2019", ". ", ", ", "  ", "\n", "", "/"]
    rng = random.Random(0)
    texts = ["".join(rng.choice(pieces) + rng.choice(separators)
                     for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    scans = scanner.scan(texts)
    assert [scans.spans(i) for i in range(len(texts))] == [_reference(t) for t in texts]


def test_a_batch_scans_each_passage_as_if_alone() -> None:
    """No match runs from one passage into the next, whatever the passages end with."""
    texts = [*TRICKY, "She did not", "refer. The mother was", "depressed", "no strategy",
             "discussion was held", "Self-", "harm was"]
    scans = scan_all(texts)
    alone = [scan_all([t]) for t in texts]
    assert [scans.spans(i) for i in range(len(texts))] == [s.spans(0) for s in alone]
    assert scans.sentences() == [s.sentences()[0] for s in alone]


def test_tokens_are_scikit_learns_default_tokens_without_accents_by_sentence() -> None:
    text = "Théo's key-worker saw him at 9 a.m. in Year 10. He was fine!  Then? no"
    sentences = scan_all([text]).sentences()[0]
    assert sentences == [re.findall(r"\b\w\w+\b", s) for s in (
        "theo's key-worker saw him at 9 a.m.", "in year 10.", "he was fine!", "then?", "no")
        if re.findall(r"\b\w\w+\b", s)]


def test_words_are_the_runs_of_word_characters_whatever_surrounds_them() -> None:
    texts = ["Théo's\u2028key_worker\xa0saw\x1chim\u3000at 9\u00b2 a.m.", "lone \ud800 half",
             "ﬁnal ǅ İstanbul  \t\n", "", "x"]
    scans = scan_all(texts)
    tokens = [scans.words[w] for w in scans.token_word]
    assert tokens == [w for t in texts for w in WORD.findall(t.lower())]


def test_evidence_spans_are_offsets_in_the_original_text() -> None:
    text = "Mother's DEPRESSION was known; the health visitor did not refer."
    spans = concept_spans("mo_cue", text)
    assert [text[a:b] for a, b in spans] == ["did not refer"]


def test_a_pattern_without_a_literal_start_is_refused() -> None:
    raw = {c: ["x"] for c in CONCEPTS} | {"efh": [r"\w+ gang"]}
    with pytest.raises(ValueError, match="no literal first letter"):
        Scanner(raw)


@pytest.mark.parametrize("text", [
    "She left.   ", "Stop.\u00a0Next one? Yes!\n\nNew para.\tTab", "...  ?!  end", "a.b. c",
    "No stop at all here", "Ends with a stop.",
])
def test_sentences_split_after_whitespace_that_follows_a_stop(text: str) -> None:
    expected = [re.findall(r"\b\w\w+\b", part) for part in re.split(r"(?<=[.!?])\s+",
                                                                    text.lower())]
    assert scan_all([text, text]).sentences() == [[s for s in expected if s]] * 2
