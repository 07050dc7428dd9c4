"""The one blank spaCy English pipeline the project uses (nothing to download)."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language


@lru_cache(maxsize=1)
def blank_english() -> Language:
    """Blank English with the rule-based sentencizer; cached per process."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(texts: list[str]) -> list[list[tuple[int, int]]]:
    nlp = blank_english()
    return [[(s.start_char, s.end_char) for s in doc.sents] for doc in nlp.pipe(texts)]
