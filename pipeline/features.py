"""Codebook lexicon and review-context features for passages.

TF-IDF n-grams know words but not whose mental health a sentence is about, nor how
old the review's child is. These features add both: concept counts, whether a
sentence naming a condition also names a parent or the child, and the review's age
band, with the interactions the codebook's rules turn on. They are computed from each
batch's ``Scans`` (one pass over its words, shared with TF-IDF and evidence), with
the arithmetic done on whole arrays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from pipeline.lexicon import CONCEPTS, Scans
from pipeline.records import ReviewContext

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
_COL = {c: i for i, c in enumerate(CONCEPTS)}


def whose_mental_health(scans: Scans, contexts: Sequence[ReviewContext]) -> np.ndarray:
    """Per passage, its sentences naming a condition that also name a parent only, the
    child only, both, or neither (the child by a word such as 'child' or by the review's
    own name for them)."""
    n_sentences = len(scans.sentence_starts)
    flags = np.zeros((3, n_sentences), dtype=bool)
    for row, concept in enumerate(("mh_condition", "parent_role", "child_ref")):
        flags[row, scans.span_sentence[scans.span_concept == _COL[concept]]] = True
    condition, parent, child = flags
    passages = np.unique(scans.span_passage[scans.span_concept == _COL["mh_condition"]])
    # the child's names, searched once per run of neighbouring passages of one review
    patterns: dict[int, re.Pattern[str] | None] = {}
    named: list[int] = []
    ends = scans.offsets + np.fromiter(map(len, scans.lower), dtype=np.int64, count=len(scans))
    other_review = np.array([id(contexts[a]) != id(contexts[b]) for a, b in
                             zip(passages[:-1].tolist(), passages[1:].tolist(), strict=True)],
                            dtype=bool)
    runs = np.split(passages, np.flatnonzero((np.diff(passages) != 1) | other_review) + 1)
    for run in runs:
        if not len(run):
            continue
        ctx = contexts[run[0]]
        if id(ctx) not in patterns:
            patterns[id(ctx)] = name_pattern(ctx)
        if (pattern := patterns[id(ctx)]) is not None:
            named += [m.start() for m in pattern.finditer(
                scans.joined, int(scans.offsets[run[0]]), int(ends[run[-1]]))]
    child[scans.sentence_of(np.array(named, dtype=np.int64))] = True
    owner = scans.passage_of(scans.sentence_starts)
    both = condition & parent & child
    kinds = np.stack([condition & parent & ~both, condition & child & ~both, both,
                      condition & ~parent & ~child])
    return np.stack([np.bincount(owner, weights=k, minlength=len(scans)) for k in kinds], 1)


def name_pattern(context: ReviewContext) -> re.Pattern[str] | None:
    names = [n for n in context.child_names if len(n) > 1]
    pattern = r"\b(?:" + "|".join(re.escape(n.lower()) for n in names) + r")\b"
    return re.compile(pattern) if names else None


def feature_matrix(scans: Scans, contexts: Sequence[ReviewContext],
                   doc_ids: Sequence[str]) -> np.ndarray:
    """Passage features, then the key concepts of the passages either side."""
    n = len(scans)
    counts = scans.concept_counts()
    whose = whose_mental_health(scans, contexts)
    bands = np.array([c.age_band or "" for c in contexts], dtype=object)
    under5 = (bands == "under_5").astype(float)
    older = np.isin(bands, ("5_to_10", "11_to_17")).astype(float)
    parent_only, child_only, both = whose[:, 0], whose[:, 1], whose[:, 2]
    mh_parent = np.log1p(parent_only + both * 0.5 + counts[:, _COL["adult_mh_service"]])
    mh_child = np.log1p(child_only + both * 0.5 + counts[:, _COL["child_mh_service"]])
    logc = np.log1p(counts)
    own = np.column_stack([
        logc, np.log1p(whose),
        mh_parent * under5, mh_parent * older, mh_child * older, mh_child * under5,
        logc[:, _COL["adult_mh_service"]] * under5,
        logc[:, _COL["young_child"]] * logc[:, _COL["mh_condition"]],
        logc[:, _COL["mo_cue"]] * (counts[:, _COL["forward_looking"]] == 0),
    ]).reshape(n, len(FEATURE_NAMES))
    base = logc[:, [_COL[c] for c in CONTEXT_CONCEPTS]]
    docs = np.asarray(doc_ids, dtype=object)
    same_prev = np.r_[False, docs[1:] == docs[:-1]]
    same_next = np.r_[docs[:-1] == docs[1:], False]
    prev = np.where(same_prev[:, None], np.roll(base, 1, axis=0), 0.0)
    nxt = np.where(same_next[:, None], np.roll(base, -1, axis=0), 0.0)
    return np.hstack([own, prev, nxt])
