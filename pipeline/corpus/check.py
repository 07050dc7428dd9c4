"""Corpus validation: schema, labels, empty, duplicate and near-duplicate paragraphs.

Near-duplicates across reviews are how template leakage shows: a classifier scored
on a test review that shares sentences with a training review is scored on memory.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.corpus.sources import ReviewSource
from pipeline.records import AGE_BANDS, LABELS

KINDS = ("body", "bullet", "table_row")
NEAR_DUPLICATE = 0.85


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    near_duplicates: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def check_sources(reviews: list[ReviewSource], near_threshold: float = NEAR_DUPLICATE
                  ) -> CheckReport:
    report = CheckReport()
    ids = Counter(r.doc_id for r in reviews)
    report.errors += [f"doc_id {d!r} used by {n} sources" for d, n in ids.items() if n > 1]
    seen: dict[str, str] = {}
    texts: list[str] = []
    owners: list[str] = []
    for r in reviews:
        where = str(r.path or r.doc_id)
        if r.child.get("age_band") not in AGE_BANDS:
            report.errors.append(f"{where}: child.age_band must be one of {AGE_BANDS}")
        n = len(r.paragraphs)
        if not 40 <= n <= 80:
            report.warnings.append(f"{where}: {n} paragraphs (corpus aims at 40 to 80)")
        for s, p in r.paragraphs:
            at = f"{where} [{s.heading} / {p.no or '-'}]"
            bad = [lab for lab in p.labels if lab not in LABELS]
            if bad:
                report.errors.append(f"{at}: unknown label(s) {bad}")
            if len(set(p.labels)) != len(p.labels):
                report.errors.append(f"{at}: a label is repeated")
            if p.kind not in KINDS:
                report.errors.append(f"{at}: unknown kind {p.kind!r}")
            if p.kind == "table_row" and not p.cells:
                report.errors.append(f"{at}: table_row without cells")
            if not p.plain.strip():
                report.errors.append(f"{at}: empty paragraph")
                continue
            if "preschool_parental_mh" in p.labels and r.child.get("age_band") != "under_5":
                report.errors.append(f"{at}: preschool_parental_mh in a review whose child "
                                     f"is {r.child.get('age_band')}")
            for mark in re.findall(r"\[\^(\w+)\]", p.text):
                if mark not in r.footnotes:
                    report.errors.append(f"{at}: footnote mark [^{mark}] has no footnote")
            key = _norm(p.plain)
            if key in seen:
                report.errors.append(f"{at}: duplicate of a paragraph in {seen[key]}")
            else:
                seen[key] = where
            texts.append(p.plain)
            owners.append(r.doc_id)
    if len(texts) > 1:
        report.near_duplicates = _near_duplicates(texts, owners, near_threshold)
        report.errors += [f"near-duplicate paragraphs across reviews {a} and {b} "
                          f"(cosine {s:.2f})" for a, b, s in report.near_duplicates]
    return report


def _near_duplicates(texts: list[str], owners: list[str], threshold: float
                     ) -> list[tuple[str, str, float]]:
    """Word 1-3-gram TF-IDF cosine between paragraphs of different reviews."""
    X = TfidfVectorizer(ngram_range=(1, 3), min_df=1, sublinear_tf=True).fit_transform(texts)
    sims = (X @ X.T).tocoo()
    out = []
    for i, j, v in zip(sims.row, sims.col, sims.data, strict=True):
        if i < j and v >= threshold and owners[i] != owners[j]:
            out.append((owners[i], owners[j], float(v)))
    return out


def label_table(reviews: list[ReviewSource], splits: dict[str, str]) -> str:
    """Label counts per split as a small text table."""
    rows: dict[str, Counter] = {}
    for r in reviews:
        c = rows.setdefault(splits.get(r.doc_id, "?"), Counter())
        c["reviews"] += 1
        for _s, p in r.paragraphs:
            c["paragraphs"] += 1
            c["no_label"] += not p.labels
            c.update(p.labels)
    cols = ["reviews", "paragraphs", "no_label", *LABELS]
    lines = ["split".ljust(8) + "".join(c[:10].rjust(12) for c in cols)]
    total: Counter = Counter()
    for name in sorted(rows):
        total.update(rows[name])
        lines.append(name.ljust(8) + "".join(str(rows[name][c]).rjust(12) for c in cols))
    lines.append("all".ljust(8) + "".join(str(total[c]).rjust(12) for c in cols))
    return "\n".join(lines)
