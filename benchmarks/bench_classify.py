"""Classification throughput on one core: passages/s of the default model.

Prints passages/s for ``predict_proba`` (scores only) and ``code`` (scores, evidence,
explanations, flags; on the whole batch, and one review per call as ``cspr run`` calls
it), with the keyword coder run in the same process as the baseline,
and the ratios; then plain scikit-learn TF-IDF + logistic regression pipelines (words;
word pairs; words and characters), trained here on the corpus, as a yardstick for what
this machine does with passages of this length; then the time per passage of each stage
of ``predict_proba``.
Run: ``.venv/bin/python benchmarks/bench_classify.py``.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline, make_union  # noqa: E402
from timing import rates  # noqa: E402  (benchmarks/timing.py, beside this script)

from pipeline.evaluate import matrix  # noqa: E402
from pipeline.formats import read_labelled  # noqa: E402
from pipeline.keywords import KeywordCoder  # noqa: E402
from pipeline.lexicon import scan_all  # noqa: E402
from pipeline.store import load_model  # noqa: E402
from pipeline.train import CORPUS_PASSAGES, doc_ids_of  # noqa: E402


def rate(fn, n: int, repeat: int) -> float:
    return rates({"": fn}, n, repeat)[""]


def yardsticks() -> dict:
    """Plain TF-IDF + logistic regression pipelines, as the issue's comparison names them."""
    def words(n: int) -> TfidfVectorizer:
        return TfidfVectorizer(ngram_range=(1, n), min_df=2, sublinear_tf=True)

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3, sublinear_tf=True)
    return {
        "tfidf words + LR": words(1),
        "tfidf words 1-2 + LR": words(2),
        "tfidf words 1-2 + chars 3-5 + LR": make_union(words(2), chars),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=4, help="corpus copies to score")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    passages = read_labelled(CORPUS_PASSAGES)[1]
    texts = [p.text for p in passages] * args.copies
    docs = [f"{d}#{k}" for k in range(args.copies) for d in doc_ids_of(passages)]
    model, card = load_model()
    keyword = KeywordCoder()
    n = len(texts)
    print(f"{n:,} passages ({len(set(docs))} reviews), model {card['model_id']}, one process")
    reviews: dict[str, list[str]] = {}
    for text, doc in zip(texts, docs, strict=True):
        reviews.setdefault(doc, []).append(text)
    timed = {
        "ThemeModel.predict_proba": lambda: model.predict_proba(texts, docs),
        "ThemeModel.code (with evidence)": lambda: model.code(texts, docs),
        "  the same, one review per call":
            lambda: [model.code(ts, [d] * len(ts)) for d, ts in reviews.items()],
    }
    # each timing takes turns with its own baseline run: in shared rounds, the code()
    # runs slowed the predict_proba after them by roughly 10-20% on the 2-core test machine
    rows = [rates({"base": lambda: keyword.predict_proba(texts), name: fn}, n, args.repeat)
            for name, fn in timed.items()]
    base = max(r["base"] for r in rows)
    print(f"{'keyword coder (baseline)':<34}{base:>10,.0f} passages/s   1.00x")
    for name, r in zip(timed, rows, strict=True):
        print(f"{name:<34}{r[name]:>10,.0f} passages/s   {r[name] / r['base']:.2f}x")
    y = matrix([p.labels for p in passages])
    for name, vectorizer in yardsticks().items():
        clf = make_pipeline(vectorizer, OneVsRestClassifier(LogisticRegression(max_iter=1000)))
        clf.fit(texts[:len(passages)], y)
        r = rate(lambda clf=clf: clf.predict_proba(texts), n, args.repeat)
        print(f"{name:<34}{r:>10,.0f} passages/s   {r / base:.2f}x")
    print("\nwhere predict_proba's time goes (µs per passage):")
    scans = scan_all(texts)
    contexts = model.contexts(texts, docs, scans)
    vec = model._vectorize(texts, scans, contexts, docs)
    passage = model._proba(vec, model.heads_)
    stages = {
        "lexicon scan (words, sentences, concept spans)": lambda: scan_all(texts),
        "review context (age band, names)": lambda: model.contexts(texts, docs, scans),
        "features (n-gram counts, TF-IDF, lexicon, sentence scores)":
            lambda: model._vectorize(texts, scans, contexts, docs),
        "logistic regressions and age gate": lambda: model._proba(vec, model.heads_),
    }
    if model.review_ is not None:  # absent from models trained on few reviews
        stages["review-context stage"] = lambda: model.review_.predict_proba(passage, docs)
    for name, fn in stages.items():
        print(f"  {name:<60}{1e6 / rate(fn, n, args.repeat):>7.1f}")


if __name__ == "__main__":
    main()
