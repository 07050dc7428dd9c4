"""Codebook lexicon and review-context features for passages.

TF-IDF n-grams know words but not whose mental health a sentence is about, nor how
old the review's child is. These features add both: concept counts, whether a
sentence naming a condition also names a parent or the child, and the review's age
band, with the interactions the codebook's rules turn on. They are computed from each
batch's ``Scans`` (one pass over its words, shared with TF-IDF and evidence), with
the arithmetic done on whole arrays.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.lexicon import CONCEPTS, WORD, Scans
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
    child[scans.sentence_of(_name_starts(scans, contexts, condition))] = True
    owner = scans.passage_of(scans.sentence_starts)
    both = condition & parent & child
    kinds = np.stack([condition & parent & ~both, condition & child & ~both, both,
                      condition & ~parent & ~child])
    return np.stack([np.bincount(owner, weights=k, minlength=len(scans)) for k in kinds], 1)


def _name_starts(scans: Scans, contexts: Sequence[ReviewContext],
                 sentences: np.ndarray) -> np.ndarray:
    """Where, in the given sentences, the review's own names for its child start (as
    ``\\b(?:name|...)\\b`` on the lowercased text would find them).

    A name begins and ends with a letter or digit (every name ``context.py`` finds does),
    so a match starts at a word: candidates are the words that begin one of their
    review's names, looked up with numpy, and only those are compared with the text.
    """
    n_words = len(scans.words)
    index = scans.index
    reviews: dict[int, int] = {}
    review = np.array([reviews.setdefault(id(c), len(reviews)) for c in contexts],
                      dtype=np.int64)
    names: dict[int, list[str]] = {}
    for ctx in {id(c): c for c in contexts}.values():
        for name in ctx.child_names:
            low = name.lower()
            first = WORD.match(low)
            if len(low) > 1 and first and low[-1].isalnum() and first.group() in index:
                names.setdefault(reviews[id(ctx)] * n_words + index[first.group()], []
                                 ).append(low)
    tokens = np.flatnonzero(sentences[scans.token_sentence])
    keys = review[scans.token_passage[tokens]] * n_words + scans.token_word[tokens]
    hits = np.isin(keys, np.array(list(names), dtype=np.int64))
    joined, out = scans.joined, []
    for key, pos in zip(keys[hits].tolist(), scans.token_start[tokens[hits]].tolist(),
                        strict=True):
        if any(joined.startswith(low, pos) and not WORD.match(joined, pos + len(low))
               for low in names[key]):
            out.append(pos)
    return np.array(out, dtype=np.int64)


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
