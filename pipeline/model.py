"""``ThemeModel``: the four codebook labels for passages, read in the context of their review.

Design, in short (the model card has the measured reasons):
- word (and optionally character) n-gram TF-IDF plus codebook lexicon/context features
  (``features.py``) and pooled sentence-level scores (``sentences.py``), one logistic
  regression per label;
- then each passage's scores read again beside its review's (``review_scores.py``),
  learnt from out-of-fold scores;
- ``preschool_parental_mh`` is the product of a parental-mental-health head and a gate
  on the review's child being under five, detected from the whole review
  (``context.py``), because the codebook defines it that way;
- one decision threshold per label, chosen on out-of-fold predictions over the
  training reviews (grouped by review), never on test data;
- evidence spans from the codebook lexicon, explanations from the linear terms that
  contributed most, and a "check" flag for scores close to their threshold;
- every stage works on a whole batch of passages at once (``lexicon.Scans``), with the
  per-word work in numpy or done once per distinct word: per-passage Python was most of
  the cost on paragraphs of sixty words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import MaxAbsScaler

from pipeline.context import review_contexts
from pipeline.features import ALL_FEATURE_NAMES, feature_matrix
from pipeline.heads import Head, fit_head, head_scores
from pipeline.lexicon import CONCEPTS, Scans, concept_spans, scan_all
from pipeline.ngrams import NgramCounter, SentenceNgrams
from pipeline.records import LABELS, Evidence, Prediction, ReviewContext
from pipeline.review_scores import ReviewScores, review_features
from pipeline.sentences import SentenceScores

PRESCHOOL = LABELS.index("preschool_parental_mh")
CHILD_MH = LABELS.index("child_mental_health")
MISSED = LABELS.index("missed_opportunity")
_BY_NAME = sorted(LABELS)  # evidence at the same span is listed by label name
_NAME_RANK = [_BY_NAME.index(label) for label in LABELS]
EVIDENCE_CONCEPTS = {
    "child_mental_health": ("mh_condition", "child_mh_service", "child_distress"),
    "preschool_parental_mh": ("mh_condition", "adult_mh_service"),
    "extrafamilial_harm": ("efh",),
    "missed_opportunity": ("mo_cue",),
}
NO_CUE_FLAG = "missed_opportunity_without_cue"
# The review-context stage learns how far to trust a review from out-of-fold scores;
# from a handful of reviews it learns noise, so smaller training sets go without it.
MIN_REVIEWS_FOR_CONTEXT = 20


@dataclass(frozen=True)
class _Vectors:
    X: sparse.csr_matrix
    bands: np.ndarray  # age band per row ("" when unknown)


@dataclass(frozen=True)
class _Scored:
    vec: _Vectors
    scans: Scans
    review_inputs: np.ndarray | None  # ``review_features`` of the passage scores
    proba: np.ndarray                 # final scores


class ThemeModel(BaseEstimator):
    """Multi-label passage classifier with review context (scikit-learn conventions).

    Parameters
    ----------
    C : inverse regularisation strength of each logistic regression.
    ngram_max, min_df, max_features : word n-gram TF-IDF vocabulary.
    char_ngrams : add character 3-5-gram TF-IDF (robust to glued words and typos).
    lexicon : add codebook lexicon and review-context features.
    gate_preschool : derive ``preschool_parental_mh`` from the review's age band.
    sentence_scores, sentence_C : add per-label sentence classifiers' best and mean
        score over the passage's sentences (``sentences.py``), regularised by sentence_C.
    review_scores, review_C : re-score each passage with its review's scores
        (``review_scores.py``), regularised by review_C; used when trained on at least
        ``MIN_REVIEWS_FOR_CONTEXT`` reviews.
    threshold_folds : grouped folds for out-of-fold threshold tuning.
    check_margin : scores within this distance of a threshold are flagged for review.
    """

    model_id = "theme-model"

    def __init__(self, C: float = 4.0, char_ngrams: bool = False, lexicon: bool = True,
                 gate_preschool: bool = True, class_weight: str | None = None,
                 threshold_folds: int = 5, check_margin: float = 0.1,
                 max_features: int = 60000, ngram_max: int = 2, min_df: int = 2,
                 sentence_scores: bool = True, sentence_C: float = 4.0,
                 review_scores: bool = True, review_C: float = 0.1) -> None:
        self.C = C
        self.char_ngrams = char_ngrams
        self.lexicon = lexicon
        self.gate_preschool = gate_preschool
        self.class_weight = class_weight
        self.threshold_folds = threshold_folds
        self.check_margin = check_margin
        self.max_features = max_features
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.sentence_scores = sentence_scores
        self.sentence_C = sentence_C
        self.review_scores = review_scores
        self.review_C = review_C

    def __setstate__(self, state: dict) -> None:
        """Models saved before the review-context stage existed load and score as they did."""
        state.setdefault("review_scores", False)
        state.setdefault("review_C", 0.1)
        state.setdefault("review_", None)
        self.__dict__.update(state)
        if "counts_" in state and "counter_" not in state:
            self.counter_ = NgramCounter(self.counts_.vocabulary_)

    # ----------------------------------------------------------------- context
    @staticmethod
    def contexts(texts: Sequence[str], doc_ids: Sequence[str],
                 scans: Scans | None = None) -> list[ReviewContext]:
        """One context per passage, computed once per review from all its passages."""
        by_doc = review_contexts(texts, doc_ids, scans)
        return [by_doc[doc] for doc in doc_ids]

    # --------------------------------------------------------------- features
    def _vectorize(self, texts: Sequence[str], scans: Scans,
                   contexts: Sequence[ReviewContext], doc_ids: Sequence[str],
                   y: np.ndarray | None = None) -> _Vectors:
        """Features of passages; given their labels ``y``, fit the vectorizers first."""
        fit = y is not None
        if fit:
            self.counts_ = CountVectorizer(analyzer=SentenceNgrams(self.ngram_max),
                                           min_df=self.min_df, max_features=self.max_features)
            self.counts_.fit(scans.sentences())
            self.counter_ = NgramCounter(self.counts_.vocabulary_)
            self.tfidf_ = TfidfTransformer(sublinear_tf=True)
            self.char_ = (TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                                          sublinear_tf=True, max_features=self.max_features)
                          if self.char_ngrams else None)
            self.scaler_ = MaxAbsScaler() if self.lexicon else None
            self.sentences_ = (SentenceScores(self.sentence_C) if self.sentence_scores
                               else None)
        # Counting n-grams is the costly step: count each sentence once, and sum a
        # passage's sentences for the passage (one pass serves both levels).
        sentence_counts, owner = self.counter_(scans)
        by_passage = sparse.csr_matrix(
            (np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(len(scans), len(owner)))
        counts = by_passage @ sentence_counts
        if fit:
            self.tfidf_.fit(counts)
        blocks = [tfidf(counts, self.tfidf_.idf_)]
        if self.char_ is not None:
            blocks.append(self.char_.fit_transform(texts) if fit else self.char_.transform(texts))
        if self.scaler_ is not None:
            dense = feature_matrix(scans, contexts, doc_ids)
            if fit:
                self.scaler_.fit(dense)
            dense = dense / self.scaler_.scale_
            blocks.append(sparse.csr_matrix(dense))
        if self.sentences_ is not None:
            S = tfidf(sentence_counts, self.tfidf_.idf_)
            pooled = (self.sentences_.fit_transform(S, owner, y, doc_ids) if fit
                      else self.sentences_.transform(S, owner, len(scans)))
            blocks.append(sparse.csr_matrix(pooled))
        X = sparse.hstack(blocks, format="csr")
        bands = np.array([c.age_band or "" for c in contexts])
        return _Vectors(X, bands)

    def _feature_names(self) -> np.ndarray:
        names = [f'"{t}"' for t in self.counts_.get_feature_names_out()]
        if self.char_ is not None:
            names += [f"chars:'{t}'" for t in self.char_.get_feature_names_out()]
        if self.scaler_ is not None:
            names += list(ALL_FEATURE_NAMES)
        if self.sentences_ is not None:
            names += [f"its strongest sentence reads as {label}" for label in LABELS]
            names += [f"its sentences, on average, read as {label}" for label in LABELS]
        return np.array(names, dtype=object)

    # ------------------------------------------------------------------- fit
    def _head_rows(self, y: np.ndarray, bands: np.ndarray, j: int) -> np.ndarray:
        """Rows a label's head learns from.

        The preschool head learns 'is this about a parent's mental health' from reviews
        of under-fives (where that is what the label marks), plus the child-mental-health
        passages of older children's reviews as negatives: whose mental health it is.
        """
        if j == PRESCHOOL and self.gate_preschool:
            return (bands == "under_5") | ((bands != "under_5") & (y[:, CHILD_MH] == 1))
        return np.ones(len(y), dtype=bool)

    def _fit_heads(self, vec: _Vectors, y: np.ndarray) -> list[Head]:
        heads = []
        for j in range(len(LABELS)):
            rows = self._head_rows(y, vec.bands, j)
            heads.append(fit_head(vec.X[rows], y[rows, j], self.C, self.class_weight))
        return heads

    def _gate(self, bands: np.ndarray) -> np.ndarray:
        gate = np.where(bands == "under_5", 1.0, 0.0)
        return np.where(bands == "", self.prior_under5_, gate)

    def _proba(self, vec: _Vectors, heads) -> np.ndarray:
        """The passage model's scores (before the review-context stage)."""
        out = np.zeros((vec.X.shape[0], len(LABELS)))
        for j, head in enumerate(heads):
            out[:, j] = head_scores(head, vec.X)
        if self.gate_preschool:
            out[:, PRESCHOOL] *= self._gate(vec.bands)
        return out

    def _keep_gate(self, out: np.ndarray, bands: np.ndarray) -> np.ndarray:
        """The review-context stage never gives the preschool label to an older child."""
        if self.gate_preschool:
            out[:, PRESCHOOL] *= self._gate(bands) > 0
        return out

    def fit(self, texts: Sequence[str], y: np.ndarray, doc_ids: Sequence[str]) -> ThemeModel:
        texts, y = list(texts), np.asarray(y, dtype=int)
        doc_ids = [str(d) for d in doc_ids]
        scans = scan_all(texts)
        contexts = self.contexts(texts, doc_ids, scans)
        bands = np.array([c.age_band or "" for c in contexts])
        doc_band = {d: b for d, b in zip(doc_ids, bands, strict=True)}
        self.prior_under5_ = float(np.mean([b == "under_5" for b in doc_band.values()]))
        self.thresholds_ = self._tune_thresholds(texts, y, doc_ids, contexts)
        self.review_ = None
        if self.review_scores and len(set(doc_ids)) >= MIN_REVIEWS_FOR_CONTEXT:
            self.review_ = ReviewScores(self.review_C, self.threshold_folds).fit(
                self.oof_scores_, y, doc_ids)
            oof = self._keep_gate(self.review_.oof_scores_.copy(), bands)
            self.thresholds_ = np.array([best_threshold(y[:, j], oof[:, j])
                                         for j in range(len(LABELS))])
        vec = self._vectorize(texts, scans, contexts, doc_ids, y)
        self.heads_ = self._fit_heads(vec, y)
        self.feature_names_ = self._feature_names()
        self.n_train_ = len(texts)
        return self

    def _tune_thresholds(self, texts: list[str], y: np.ndarray,
                         doc_ids: list[str], contexts: list[ReviewContext]) -> np.ndarray:
        """Per-label F1-optimal thresholds on the passage model's out-of-fold scores, folds
        grouped by review (the review-context stage learns from the same scores)."""
        groups = np.array(doc_ids)
        n_folds = min(self.threshold_folds, len(set(doc_ids)))
        if n_folds < 2:
            return np.full(len(LABELS), 0.5)
        def rows_of(rows: np.ndarray) -> tuple[list, Scans, list, list]:
            fold_texts = [texts[i] for i in rows]
            return (fold_texts, scan_all(fold_texts),
                    [contexts[i] for i in rows], [doc_ids[i] for i in rows])

        oof = np.zeros(y.shape, dtype=float)
        for train, test in GroupKFold(n_splits=n_folds).split(texts, y, groups):
            fold = clone(self)
            fold.prior_under5_ = self.prior_under5_
            heads = fold._fit_heads(fold._vectorize(*rows_of(train), y[train]), y[train])
            oof[test] = fold._proba(fold._vectorize(*rows_of(test)), heads)
        self.oof_scores_ = oof
        return np.array([best_threshold(y[:, j], oof[:, j]) for j in range(len(LABELS))])

    # --------------------------------------------------------------- predict
    def _prepare(self, texts: Sequence[str], doc_ids: Sequence[str] | None,
                 contexts: Sequence[ReviewContext] | None = None,
                 scans: Scans | None = None) -> _Scored:
        texts = list(texts)
        doc_ids = [str(d) for d in doc_ids] if doc_ids is not None else [""] * len(texts)
        scans = scans if scans is not None else scan_all(texts)
        if contexts is None:
            contexts = self.contexts(texts, doc_ids, scans)
        vec = self._vectorize(texts, scans, contexts, doc_ids)
        passage = self._proba(vec, self.heads_)
        if self.review_ is None:
            return _Scored(vec, scans, None, passage)
        Z = review_features(passage, doc_ids)
        return _Scored(vec, scans, Z, self._keep_gate(self.review_.proba_from(Z), vec.bands))

    def near_threshold(self, proba: np.ndarray) -> np.ndarray:
        """Which decisions are flagged "check": scores within ``check_margin`` of the label's
        threshold, where the model is least sure."""
        return np.abs(proba - self.thresholds_) < self.check_margin

    def predict_proba(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None,
                      contexts: Sequence[ReviewContext] | None = None,
                      scans: Scans | None = None) -> np.ndarray:
        """Scores per label; passages sharing a doc_id are one review, in reading order
        (without doc_ids, all passages are read as one review)."""
        return self._prepare(texts, doc_ids, contexts, scans).proba

    def predict(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None,
                contexts: Sequence[ReviewContext] | None = None,
                scans: Scans | None = None) -> np.ndarray:
        return self.predict_proba(texts, doc_ids, contexts, scans) >= self.thresholds_

    def code(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None,
             contexts: Sequence[ReviewContext] | None = None, explain: int = 3,
             scans: Scans | None = None) -> list[Prediction]:
        """Labels, scores, evidence spans, explanations and review flags per passage.

        ``contexts`` (one per passage) lets a caller that knows more about the review,
        such as its title, supply the review context instead of deriving it here;
        ``scans`` (``scan_all(texts)``) saves the lexicon pass when the caller made it.
        """
        texts = list(texts)
        scored = self._prepare(texts, doc_ids, contexts, scans)
        proba, scans = scored.proba, scored.scans
        decided = proba >= self.thresholds_
        near = self.near_threshold(proba)
        explanations = self._explain(scored.vec.X, scored.review_inputs, decided, explain)
        evidence = self._evidence(texts, scans, decided)
        out = []
        for i, (given, scores, close) in enumerate(zip(decided.tolist(), proba.tolist(),
                                                        near.tolist(), strict=True)):
            found = evidence.get(i, [])
            flags = []
            if given[MISSED] and not any(e.label == "missed_opportunity" for e in found):
                flags.append(NO_CUE_FLAG)
            out.append(Prediction(
                labels=[label for label, g in zip(LABELS, given, strict=True) if g],
                scores=dict(zip(LABELS, scores, strict=True)),
                evidence=found,
                explanations=explanations.get(i, {}),
                check=[label for label, c in zip(LABELS, close, strict=True) if c],
                flags=flags,
            ))
        return out

    @staticmethod
    def _evidence(texts: list[str], scans: Scans, decided: np.ndarray
                  ) -> dict[int, list[Evidence]]:
        """Per passage, the evidence spans of the labels it was given, in text order."""
        moved, passage = scans.moved, scans.span_passage
        start, end = (scans.span_start - scans.offsets[passage],
                      scans.span_end - scans.offsets[passage])
        picked = []
        for j, label in enumerate(LABELS):
            concepts = [CONCEPTS.index(c) for c in EVIDENCE_CONCEPTS[label]]
            rows = np.flatnonzero(decided[passage, j] & ~moved[passage]
                                  & np.isin(scans.span_concept, concepts))
            picked.append(np.column_stack([passage[rows], start[rows], end[rows],
                                           np.full(len(rows), _NAME_RANK[j])]))
        found = np.vstack(picked)
        found = found[np.lexsort(found.T[::-1])]  # passage, start, end, label name
        found = found[np.r_[True, (found[1:] != found[:-1]).any(axis=1)]] if len(found) else found
        out: dict[int, list[Evidence]] = {}
        for i, a, b, rank in found.tolist():
            out.setdefault(i, []).append(Evidence(_BY_NAME[rank], a, b, texts[i][a:b]))
        for i in np.flatnonzero(moved & decided.any(axis=1)).tolist():
            # lowercasing changed this passage's offsets: find its spans in the original
            spans = {Evidence(LABELS[j], a, b, texts[i][a:b])
                     for j in np.flatnonzero(decided[i]).tolist()
                     for concept in EVIDENCE_CONCEPTS[LABELS[j]]
                     for a, b in concept_spans(concept, texts[i])}
            out[i] = sorted(spans, key=lambda e: (e.start, e.end, e.label))
        return out

    def _explain(self, X: sparse.csr_matrix, review_inputs: np.ndarray | None,
                 decided: np.ndarray, k: int) -> dict[int, dict[str, list[str]]]:
        """The k features with the largest positive contribution to each label given, and
        the review context when it raised the score."""
        out: dict[int, dict[str, list[str]]] = {}
        if k <= 0:
            return out
        for j, head in enumerate(self.heads_):
            rows = np.flatnonzero(decided[:, j])
            if isinstance(head, float) or not len(rows):
                continue
            context = ({} if review_inputs is None
                       else self.review_.context_reasons(review_inputs, rows, j))
            contrib = X[rows].multiply(head.coef_[0]).tocsr()
            top = _top_positive(contrib, k)
            names = self.feature_names_[contrib.indices[top]].tolist()
            owner = np.repeat(np.arange(len(rows)), np.diff(contrib.indptr))[top].tolist()
            terms: list[list[str]] = [[] for _ in rows]
            for r, name in zip(owner, names, strict=True):
                terms[r].append(str(name))
            gated = j == PRESCHOOL and self.gate_preschool
            for r, i in enumerate(rows.tolist()):
                given = terms[r] + context.get(i, [])
                if gated:
                    given.append("review child under 5")
                out.setdefault(i, {})[LABELS[j]] = given
        return out


def _top_positive(contrib: sparse.csr_matrix, k: int) -> np.ndarray:
    """Indices into ``contrib.data`` of each row's k largest positive entries, largest first
    by row (ties: the earlier entry). k passes of a per-row maximum over the whole matrix:
    a sort per row, or of every entry, cost several times more."""
    data = contrib.data.astype(float, copy=True)
    sizes = np.diff(contrib.indptr)
    rows = np.flatnonzero(sizes)
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    row = np.repeat(np.arange(contrib.shape[0]), sizes)
    picked, rank = [], []
    for r in range(k):
        best = np.maximum.reduceat(data, contrib.indptr[rows])
        hits = np.flatnonzero(data == np.repeat(best, sizes[rows]))
        first = hits[np.r_[True, row[hits][1:] != row[hits][:-1]]]
        first = first[data[first] > 0]
        if not len(first):
            break
        picked.append(first)
        rank.append(np.full(len(first), r))
        data[first] = -np.inf
    found, order = np.concatenate(picked), np.concatenate(rank)
    return found[np.lexsort((order, row[found]))]


def tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """``TfidfTransformer(sublinear_tf=True).transform``'s arithmetic (log counts, idf
    weights, rows scaled to unit length) without its input validation, which costs more
    than the arithmetic on one review's passages."""
    X = counts.astype(np.float64)
    np.log(X.data, out=X.data)
    X.data += 1.0
    X.data *= idf[X.indices]
    lengths = np.sqrt(np.bincount(np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)),
                                  weights=X.data ** 2, minlength=X.shape[0]))
    lengths[lengths == 0] = 1.0
    X.data /= np.repeat(lengths, np.diff(X.indptr))
    return X


def best_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The threshold maximising F1 (ties: the one nearest 0.5)."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    if y.sum() == 0:
        return 0.5
    best, best_f1 = 0.5, -1.0
    for t in grid:
        pred = scores >= t
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / (pred.sum() + y.sum()) if (pred.sum() + y.sum()) else 0.0
        if f1 > best_f1 + 1e-9 or (abs(f1 - best_f1) <= 1e-9 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(t), f1
    return best
