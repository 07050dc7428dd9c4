"""Behaviour of the shipped model that researchers rely on (codebook rules, evidence, flags)."""

from __future__ import annotations

import dataclasses
import random
import re

import numpy as np
import pytest

from pipeline.context import review_context
from pipeline.model import NO_CUE_FLAG, ThemeModel, best_threshold
from pipeline.records import LABELS
from pipeline.store import load_model

TEEN_FAMILY = ("Zara was fifteen and in Year 10 at Millbrook Academy when the review period "
               "began. She lived with her mother and two younger brothers.")
BABY_FAMILY = ("Baby L was born at thirty-nine weeks and was seven months old at the time of "
               "the incident. He lived with his mother and her partner in a rented flat.")
MOTHER_MH = ("Mother had been diagnosed with severe depression and was prescribed sertraline "
             "by her GP. She told the community mental health team that she was struggling to "
             "get out of bed and had thoughts of ending her life.")
CHILD_SELF_HARM = ("In November Zara told her head of year that she had been cutting her arms "
                   "and no longer wanted to be alive. She was referred to CAMHS and placed on a "
                   "waiting list of fourteen weeks.")
EXPLOITATION = ("In the spring two older men began collecting Zara from school in a car. She "
                "was found by police in a flat in another county with drugs and cash, and was "
                "reported missing four times in six weeks.")
MISSED = ("No strategy discussion was held after the police found her in the flat, and the "
          "information was not shared with the school. This was a missed opportunity to "
          "consider whether she was being criminally exploited.")

PRIMARY_FAMILY = ("Kai was nine and in Year 4 at Ashgrove Primary School. He lived with his "
                  "father and his grandmother.")
DISTRESS = ("By the spring term Kai had stopped speaking in class and was wetting the bed most "
            "nights. His teacher found him hiding in the cloakroom at break, frightened and "
            "unable to say why, and he had begun pulling at his hair during lessons.")


@pytest.fixture(scope="module")
def model():
    return load_model()[0]


def _code(model, texts):
    return model.code(texts, ["review"] * len(texts))


def test_whose_mental_health_decides_the_label(model) -> None:
    teen = _code(model, [TEEN_FAMILY, MOTHER_MH, CHILD_SELF_HARM])
    baby = _code(model, [BABY_FAMILY, MOTHER_MH])
    assert "child_mental_health" in teen[2].labels
    assert "preschool_parental_mh" not in teen[1].labels  # a teenager's review
    assert "child_mental_health" not in teen[1].labels  # a parent's mental health
    assert "preschool_parental_mh" in baby[1].labels
    assert "child_mental_health" not in baby[1].labels


def test_a_childs_distress_without_clinical_words_is_child_mental_health(model) -> None:
    # the codebook's adjudicated convention 2; the evidence shows the distress itself
    pred = _code(model, [PRIMARY_FAMILY, DISTRESS])[1]
    assert "child_mental_health" in pred.labels
    found = {e.text.lower() for e in pred.evidence if e.label == "child_mental_health"}
    assert {"frightened", "pulling at his hair"} <= found


def test_age_band_comes_from_the_whole_review() -> None:
    later = ["The review was commissioned in March 2023.", "Agencies provided chronologies."]
    ctx = review_context([*later, BABY_FAMILY, MOTHER_MH])
    assert ctx.age_band == "under_5" and "seven months old" in (ctx.age_evidence or "")
    assert review_context([*later, TEEN_FAMILY]).age_band == "11_to_17"
    assert review_context(later).age_band is None


def test_sibling_ages_do_not_set_the_band() -> None:
    texts = ["Child K was two years and three months old when she was admitted to hospital.",
             "Her brother, aged 12, was in Year 7 at the local secondary school.",
             "Her sister, aged 9, attended the primary school."]
    assert review_context(texts, "Rapid Review: Child K").age_band == "under_5"


def test_missed_opportunity_has_evidence_spans_inside_the_text(model) -> None:
    preds = _code(model, [TEEN_FAMILY, EXPLOITATION, MISSED])
    assert "extrafamilial_harm" in preds[1].labels
    pred = preds[2]
    assert "missed_opportunity" in pred.labels
    spans = [e for e in pred.evidence if e.label == "missed_opportunity"]
    assert spans and all(MISSED[e.start:e.end] == e.text for e in spans)
    assert NO_CUE_FLAG not in pred.flags
    assert pred.explanations["missed_opportunity"]


def test_scores_are_probabilities_and_check_marks_scores_near_the_threshold(model) -> None:
    texts = [TEEN_FAMILY, MOTHER_MH, CHILD_SELF_HARM, EXPLOITATION, MISSED]
    preds = _code(model, texts)
    for pred in preds:
        assert set(pred.scores) == set(LABELS)
        assert all(0.0 <= s <= 1.0 for s in pred.scores.values())
        for j, label in enumerate(LABELS):
            near = abs(pred.scores[label] - model.thresholds_[j]) < model.check_margin
            assert (label in pred.check) == near
            assert (label in pred.labels) == (pred.scores[label] >= model.thresholds_[j])


def test_positive_without_a_cue_is_flagged() -> None:
    texts = ["the health visitor never came back"] * 6 + ["the family moved house"] * 6
    y = np.zeros((12, len(LABELS)), dtype=int)
    y[:6, LABELS.index("missed_opportunity")] = 1
    y[:3, LABELS.index("child_mental_health")] = 1
    docs = [f"d{i % 4}" for i in range(12)]
    m = ThemeModel(threshold_folds=2, lexicon=False, gate_preschool=False).fit(texts, y, docs)
    pred = m.code(["the health visitor never came back"], ["x"])[0]
    assert "missed_opportunity" in pred.labels and NO_CUE_FLAG in pred.flags


def test_best_threshold_maximises_f1() -> None:
    y = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.35, 0.4, 0.8, 0.9])
    t = best_threshold(y, scores)
    assert 0.35 < t <= 0.4


def test_card_records_thresholds_hashes_and_held_out_metrics() -> None:
    model, card = load_model()
    assert card["thresholds"] == pytest.approx(dict(zip(LABELS, model.thresholds_, strict=True)))
    assert len(card["artefacts"]["model.joblib"]) == 64
    assert card["training_data"]["passages"] > 1000
    held = card["metrics"]["held_out_test"]
    assert held["macro_f1"] > card["metrics"]["keyword_held_out_test"]["macro_f1"] + 0.15


def test_one_critical_sentence_lifts_a_long_passage_through_sentence_scores() -> None:
    """A passage of neutral chronology with one critical sentence: the sentence scores see it."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.lexicon import scan_all
    from pipeline.sentences import SentenceScores

    def sentences(texts: list[str]) -> tuple[list[list[str]], np.ndarray]:
        scans = scan_all(texts)
        return [s for p in scans.sentences() for s in p], scans.sentence_index()[1]

    critical = "The health visitor did not refer the family and nobody asked about the father."
    neutral = ["The family moved to a new flat in the spring.", "The baby was weighed at clinic.",
               "Mother attended the appointment with her sister.", "The nursery place began."]
    texts = [critical] * 8 + [n for n in neutral for _ in range(2)]
    y = np.zeros((16, 1), dtype=int)
    y[:8, 0] = 1
    tokens, owner = sentences(texts)
    vec = TfidfVectorizer(analyzer=lambda toks: toks).fit(tokens)
    scorer = SentenceScores(C=10.0)
    oof = scorer.fit_transform(vec.transform(tokens), owner, y, [f"d{i % 4}" for i in range(16)])
    assert oof.shape == (16, 2)  # best and mean per label
    s_tokens, s_owner = sentences([" ".join(neutral) + " " + critical])
    best, mean = scorer.transform(vec.transform(s_tokens), s_owner, 1)[0]
    assert len(s_tokens) == 5 and best > 0.5 > mean


def test_selection_prefers_the_faster_setting_within_tolerance() -> None:
    from pipeline.compare import TOLERANCE, choose

    def setting(f1: float, speed: int) -> dict:
        return {"params": {}, "macro_f1": f1, "passages_per_second": speed}

    fast, slow_close = setting(0.820, 9000), setting(0.820 + TOLERANCE / 2, 3000)
    assert choose([fast, slow_close]) is fast
    slow_better = setting(0.820 + 3 * TOLERANCE, 3000)
    assert choose([fast, slow_close, slow_better]) is slow_better


def test_age_band_is_right_on_every_corpus_review() -> None:
    from pipeline.corpus.sources import load_sources

    reviews = load_sources(None)
    wrong = [r.doc_id for r in reviews
             if review_context([p.plain for _s, p in r.paragraphs]).age_band != r.child["age_band"]]
    assert len(reviews) > 100 and not wrong


def test_fast_ngram_counter_equals_scikit_learns(model) -> None:
    from pipeline.formats import read_labelled
    from pipeline.lexicon import scan_all
    from pipeline.ngrams import NgramCounter
    from pipeline.train import CORPUS_PASSAGES

    texts = [p.text for p in read_labelled(CORPUS_PASSAGES)[1][::11]]
    scans = scan_all([*texts, "Théo’s café; naïve — x y z.", ""])
    ours, owner = NgramCounter(model.counts_.vocabulary_)(scans)
    theirs = model.counts_.transform([[s] for p in scans.sentences() for s in p])
    assert ours.shape == theirs.shape and abs(ours - theirs).sum() == 0
    assert len(owner) == ours.shape[0] and owner[-1] == len(texts)


def test_pair_table_finds_exactly_its_keys() -> None:
    from pipeline.ngrams import PairTable

    rng = np.random.default_rng(0)
    keys = rng.choice(10**9, size=5000, replace=False)
    table = PairTable(keys.tolist(), list(range(5000)))
    assert (table.get(keys) == np.arange(5000)).all()
    others = np.setdiff1d(rng.choice(10**9, size=5000), keys)
    assert (table.get(others) == -1).all()


def test_fast_tfidf_and_heads_equal_scikit_learns(model) -> None:
    """The validation-free arithmetic gives scikit-learn's numbers."""
    from pipeline.formats import read_labelled
    from pipeline.heads import head_scores
    from pipeline.lexicon import scan_all
    from pipeline.model import tfidf
    from pipeline.ngrams import NgramCounter
    from pipeline.train import CORPUS_PASSAGES

    texts = [p.text for p in read_labelled(CORPUS_PASSAGES)[1][::13]]
    counts, _ = NgramCounter(model.counts_.vocabulary_)(scan_all([*texts, "zzzz qqqq."]))
    ours, theirs = tfidf(counts, model.tfidf_.idf_), model.tfidf_.transform(counts)
    assert abs(ours - theirs).max() < 1e-12
    head = next(h for h in model.heads_ if not isinstance(h, float))
    X = np.random.default_rng(0).normal(size=(50, head.coef_.shape[1]))
    assert np.allclose(head_scores(head, X), head.predict_proba(X)[:, 1], atol=1e-12)


def test_child_names_are_found_where_the_name_regex_finds_them() -> None:
    """The word look-up finds the review's names exactly where ``\\b(?:name)\\b`` does."""
    import re

    from pipeline.features import _name_starts
    from pipeline.lexicon import scan_all
    from pipeline.records import ReviewContext

    texts = ["Child M's anxiety rose; child  m and Child Mx were others. CHILD M again.",
             "Amira was low. Amiras is not her; nor amira_b. Amira!",
             "Amira is not this review's child: child m is."]
    contexts = [ReviewContext(None, None, ("Child M", "M")),
                ReviewContext(None, None, ("Amira", "A")),
                ReviewContext(None, None, ("Child M",))]
    scans = scan_all(texts)
    found = _name_starts(scans, contexts, np.ones(len(scans.sentence_starts), dtype=bool))
    expected = []
    for i, ctx in enumerate(contexts):
        names = [n.lower() for n in ctx.child_names if len(n) > 1]
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
        expected += [int(scans.offsets[i]) + m.start() for m in pattern.finditer(scans.lower[i])]
    assert sorted(found.tolist()) == expected and len(expected) == 5


def test_the_card_gives_each_candidates_gap_to_the_default_with_its_paired_interval() -> None:
    from pipeline.modelcard import _comparison_table

    def row(macro: float, gap: dict | None) -> dict:
        held = {"macro_f1": macro, "labels": {lab: {"f1": macro} for lab in LABELS},
                "intervals": {"macro_f1": [macro - 0.02, macro + 0.02]}}
        return {"held_out_test": held, "cv_by_house_style": {"macro_f1": macro},
                "passages_per_second": 1000, **({"held_out_vs_default": gap} if gap else {})}

    table = _comparison_table({
        "default": row(0.873, {"macro_f1": {"delta": 0.0, "delta_interval": [0.0, 0.0]}}),
        "rival": row(0.847, {"macro_f1": {"delta": -0.026,
                                          "delta_interval": [-0.045, -0.008]}}),
        "older comparison": row(0.8, None)})
    lines = {line.split(" | ")[0][2:]: line for line in table.splitlines()[2:]}
    assert "0.873 (0.853 to 0.893)" in lines["default"]
    assert "-0.026 (-0.045 to -0.008)" in lines["rival"]
    assert "+0.000" not in lines["default"] and "(-" not in lines["older comparison"]


def _glue_words(text: str, rng, rate: float) -> str:
    """Line joins that lost their space ("diedand"), as text layers often give them."""
    return re.sub(r"(?<=[a-z]) (?=[a-z])", lambda _m: "" if rng.random() < rate else " ", text)


def _footnote_digits(text: str, rng, rate: float) -> str:
    """Footnote numbers glued to the word before them ("(LSCBs)2")."""
    return re.sub(r"(?<=[a-z])(?=[ .,])",
                  lambda _m: str(rng.randint(1, 40)) if rng.random() < rate else "", text)


@pytest.mark.parametrize("quirk", [_glue_words, _footnote_digits])
def test_coding_survives_text_layer_quirks_real_reviews_have(model, quirk) -> None:
    """Held-out reviews with 3% of word joins lost, or footnote digits glued to 3% of
    words, are coded nearly as well as clean text (measured: -0.007 and +0.001 macro-F1)."""
    from pipeline.formats import read_labelled
    from pipeline.train import CORPUS_PASSAGES, evaluate_on

    test = [p for p in read_labelled(CORPUS_PASSAGES)[1] if p.meta.get("split") == "test"]
    noisy = [dataclasses.replace(p, text=quirk(p.text, random.Random(i), 0.03))
             for i, p in enumerate(test)]
    assert sum(a.text != b.text for a, b in zip(noisy, test, strict=True)) > len(test) / 2
    clean, rough = evaluate_on(model, test), evaluate_on(model, noisy)
    assert rough["macro_f1"] > clean["macro_f1"] - 0.02
    for label in LABELS:
        assert rough["labels"][label]["f1"] > clean["labels"][label]["f1"] - 0.04
