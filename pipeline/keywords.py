"""The keyword coder: what researchers do today with text search in NVivo.

A passage gets a label when any of the label's search terms occurs in it. It is
the baseline every trained model must beat, and it needs no training data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from pipeline.records import LABELS, Evidence, Prediction

# Search terms as a researcher would type them (stems end in \w*), one list per label.
SEARCH_TERMS: dict[str, tuple[str, ...]] = {
    "child_mental_health": (
        r"self[- ]harm\w*", r"suicid\w*", r"camhs", r"cypmhs", r"eating disorder",
        r"anorexi\w*", r"overdose\w*", r"cutting", r"low mood", r"anxiety",
        r"depress\w*", r"mental health",
    ),
    "preschool_parental_mh": (
        r"postnatal depression", r"perinatal mental health", r"post-?natal",
        r"puerperal psychosis", r"maternal mental health", r"parental mental health",
        r"mother'?s mental health", r"father'?s mental health", r"adult mental health",
    ),
    "extrafamilial_harm": (
        r"exploit\w*", r"county lines", r"gang\w*", r"groom\w*", r"knife", r"stabb\w*",
        r"radicalis\w*", r"prevent", r"traffick\w*", r"nrm", r"national referral mechanism",
        r"sextortion", r"cse", r"cce", r"youth violence",
    ),
    "missed_opportunity": (
        r"missed opportunit\w*", r"should have been", r"could have been", r"was not shared",
        r"were not shared", r"no strategy discussion", r"professional curiosity",
        r"not referred", r"opportunity to", r"did not happen", r"was not considered",
    ),
}


class KeywordCoder:
    """Flags a label when any search term matches; scores are 0 or 1."""

    model_id = "keyword-baseline"

    def __init__(self, terms: dict[str, Sequence[str]] | None = None) -> None:
        self.terms = dict(terms or SEARCH_TERMS)
        self._patterns = {
            label: re.compile(r"\b(?:" + "|".join(ts) + r")\b", re.I)
            for label, ts in self.terms.items()
        }

    def __getstate__(self) -> dict:
        return {"terms": self.terms}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["terms"])

    def fit(self, texts: Sequence[str], y: np.ndarray, doc_ids: Sequence[str] | None = None):
        return self

    def predict_proba(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None,
                      contexts: object = None) -> np.ndarray:
        out = np.zeros((len(texts), len(LABELS)))
        for j, label in enumerate(LABELS):
            pat = self._patterns[label]
            out[:, j] = [1.0 if pat.search(t) else 0.0 for t in texts]
        return out

    def predict(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None,
                contexts: object = None) -> np.ndarray:
        return self.predict_proba(texts, doc_ids) >= 0.5

    def code(self, texts: Sequence[str], doc_ids: Sequence[str] | None = None,
             contexts: object = None) -> list[Prediction]:
        preds = []
        for text in texts:
            labels, scores, evidence = [], {}, []
            for label in LABELS:
                matches = list(self._patterns[label].finditer(text))
                scores[label] = 1.0 if matches else 0.0
                if matches:
                    labels.append(label)
                    evidence += [Evidence(label, m.start(), m.end(), m.group(0)) for m in matches]
            preds.append(Prediction(labels, scores, evidence,
                                    {lab: ["keyword match"] for lab in labels}))
        return preds
