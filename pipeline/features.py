"""Codebook lexicon and review-context features for one passage.

TF-IDF n-grams know words but not whose mental health a sentence is about, nor how
old the review's child is. These features add both: concept counts, whether a
sentence naming a condition also names a parent or the child, and the review's age
band, with the interactions the codebook's rules turn on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from pipeline.lexicon import CONCEPTS, lowered
from pipeline.records import ReviewContext

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

FEATURE_NAMES: tuple[str, ...] = (
    *(f"lex:{c}" for c in CONCEPTS),
    "mh:with_parent_only", "mh:with_child_only", "mh:with_both", "mh:with_neither",
    "mh_parent×under_5", "mh_parent×older", "mh_child×older", "mh_child×under_5",
    "adult_service×under_5", "young_child×mh", "mo_cue×not_forward",
)
# Concepts whose neighbourhood carries over to a passage: a paragraph continuing an
# account of a boy's exploitation rarely repeats the words. The review's age band enters
# only through interactions with mental-health evidence, never as a prior on its own, and
# review-wide densities are left out: both made the model code any passage of a teenager's
# review as extrafamilial harm (measured: no gain on held-out reviews, worse behaviour).
CONTEXT_CONCEPTS: tuple[str, ...] = (
    "mh_condition", "child_mh_service", "adult_mh_service", "efh", "mo_cue", "young_child",
)
CONTEXT_NAMES: tuple[str, ...] = tuple(
    f"{where}:{c}" for where in ("prev", "next") for c in CONTEXT_CONCEPTS)
ALL_FEATURE_NAMES: tuple[str, ...] = FEATURE_NAMES + CONTEXT_NAMES


def _sentences(text: str) -> list[str]:
    return SENTENCE_END.split(text)


def passage_features(text: str, context: ReviewContext,
                     name_re: re.Pattern[str] | None) -> list[float]:
    pats = lowered()
    text = text.lower()
    counts = {c: len(pats[c].findall(text)) for c in CONCEPTS}
    parent_only = child_only = both = neither = 0
    if counts["mh_condition"]:
        for sent in _sentences(text):
            if not pats["mh_condition"].search(sent):
                continue
            parent = bool(pats["parent_role"].search(sent))
            child = bool(pats["child_ref"].search(sent)) or bool(name_re and name_re.search(sent))
            parent_only += parent and not child
            child_only += child and not parent
            both += parent and child
            neither += not parent and not child
    band = context.age_band
    under5 = float(band == "under_5")
    older = float(band in ("5_to_10", "11_to_17"))
    mh_parent = parent_only + both * 0.5 + counts["adult_mh_service"]
    mh_child = child_only + both * 0.5 + counts["child_mh_service"]
    logc = {c: math.log1p(v) for c, v in counts.items()}
    return [
        *(logc[c] for c in CONCEPTS),
        math.log1p(parent_only), math.log1p(child_only), math.log1p(both), math.log1p(neither),
        math.log1p(mh_parent) * under5, math.log1p(mh_parent) * older,
        math.log1p(mh_child) * older, math.log1p(mh_child) * under5,
        logc["adult_mh_service"] * under5, logc["young_child"] * logc["mh_condition"],
        logc["mo_cue"] * float(counts["forward_looking"] == 0),
    ]


def name_pattern(context: ReviewContext) -> re.Pattern[str] | None:
    names = [n for n in context.child_names if len(n) > 1]
    pattern = r"\b(?:" + "|".join(re.escape(n.lower()) for n in names) + r")\b"
    return re.compile(pattern) if names else None


def feature_matrix(texts: Sequence[str], contexts: Sequence[ReviewContext],
                   doc_ids: Sequence[str]) -> np.ndarray:
    """Passage features, then the key concepts of the passages either side."""
    cache: dict[int, re.Pattern[str] | None] = {}
    rows = []
    for text, ctx in zip(texts, contexts, strict=True):
        key = id(ctx)
        if key not in cache:
            cache[key] = name_pattern(ctx)
        rows.append(passage_features(text, ctx, cache[key]))
    own = np.asarray(rows, dtype=np.float64).reshape(len(texts), len(FEATURE_NAMES))
    cols = [FEATURE_NAMES.index(f"lex:{c}") for c in CONTEXT_CONCEPTS]
    base = own[:, cols]
    docs = np.asarray(doc_ids, dtype=object)
    same_prev = np.r_[False, docs[1:] == docs[:-1]]
    same_next = np.r_[docs[:-1] == docs[1:], False]
    prev = np.where(same_prev[:, None], np.roll(base, 1, axis=0), 0.0)
    nxt = np.where(same_next[:, None], np.roll(base, -1, axis=0), 0.0)
    return np.hstack([own, prev, nxt])
