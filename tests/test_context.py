"""Review context in batches: each review's child, from its own passages only."""

from __future__ import annotations

import pytest

from pipeline.context import review_context, review_contexts
from pipeline.lexicon import scan_all
from pipeline.records import ReviewContext

BABY = [
    "Baby W was seven weeks old when he was taken to hospital with a head injury.",
    "Baby W lived with his mother, Mrs Orla, and her partner in a rented flat.",
    "The health visitor saw Baby W at home and noted that the nursery place was not taken up.",
    "Mother told the GP she had felt low since the birth; Baby W was not seen at that visit.",
]
TEEN = [
    "Child J was fifteen years old and in Year 10 at a secondary school in the town.",
    "J was excluded twice in the autumn term, and his GCSE options were reduced.",
    "His mother, aged 34, asked Children's Social Care for help when J went missing.",
    "Police found J in another county with older men; J said he owed them money.",
]
PRIMARY = [
    "The child, known as Rowan in this review, was eight years old.",
    "Rowan attended the local primary school, where staff saw bruising on two occasions.",
    "Rowan's younger sister, aged two, attended a nursery run by the same trust.",
    "Rowan told a teaching assistant that home was noisy; Rowan was not asked again.",
    "Rowan's attendance fell in the spring term and the school made a referral.",
]
REVIEWS = {"baby-w": BABY, "child-j": TEEN, "rowan": PRIMARY}


def _interleaved() -> tuple[list[str], list[str]]:
    texts, docs = [], []
    for k in range(max(map(len, REVIEWS.values()))):
        for doc, passages in REVIEWS.items():
            if k < len(passages):
                texts.append(passages[k])
                docs.append(doc)
    return texts, docs


def test_batch_contexts_equal_single_review_contexts() -> None:
    texts, docs = _interleaved()
    single = {doc: review_context(passages) for doc, passages in REVIEWS.items()}
    assert review_contexts(texts, docs) == single
    assert review_contexts(texts, docs, scan_all(texts)) == single
    concatenated = [t for passages in REVIEWS.values() for t in passages]
    owners = [doc for doc, passages in REVIEWS.items() for _ in passages]
    assert review_contexts(concatenated, owners) == single
    assert [single[d].age_band for d in REVIEWS] == ["under_5", "11_to_17", "5_to_10"]
    assert single["rowan"].child_names == ("Rowan",)


def test_titles_are_per_review() -> None:
    texts, docs = _interleaved()
    titles = {"baby-w": "Rapid Review: Baby W", "child-j": None}
    got = review_contexts(texts, docs, titles=titles)
    assert got["baby-w"] == review_context(BABY, "Rapid Review: Baby W")
    assert got["child-j"] == review_context(TEEN)
    assert got["rowan"] == review_context(PRIMARY)  # no title given: none


def test_a_review_does_not_take_its_neighbours_child() -> None:
    texts = [*BABY, *TEEN]
    got = review_contexts(texts, ["baby-w"] * len(BABY) + ["child-j"] * len(TEEN))
    assert got["baby-w"].age_band == "under_5" and "seven weeks" in got["baby-w"].age_evidence
    assert got["child-j"].age_band == "11_to_17"
    assert "Baby W" not in got["child-j"].child_names
    assert "Child J" not in got["baby-w"].child_names
    # a review with no age of its own stays without one, whatever its neighbours say
    quiet = ["The review panel met four times.", "Agencies provided chronologies."]
    got = review_contexts([*quiet, *BABY], ["quiet"] * 2 + ["baby-w"] * len(BABY))
    assert got["quiet"] == ReviewContext()


def test_empty_input() -> None:
    assert review_contexts([], []) == {}
    assert review_contexts([], [], scan_all([])) == {}
    assert review_context([]) == ReviewContext()
    assert review_context([], "Rapid Review: Baby Q").age_band == "under_5"
    assert review_context(["", ""]) == ReviewContext()


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        review_contexts(BABY, ["baby-w"])
    with pytest.raises(ValueError):
        review_contexts(BABY, ["baby-w"] * len(BABY), scan_all(TEEN[:2]))


def test_a_thematic_title_names_no_child() -> None:
    texts = ["This thematic review looked at how agencies responded to image sharing.",
             "Several girls aged 13 to 15 were asked for images by older boys online."]
    named = review_context(texts, "Online Sexual Image Sharing Among Adolescents")
    assert not {"Online", "Sexual", "Image", "Sharing"} & set(named.child_names)
    assert review_context(texts, "Local Child Safeguarding Practice Review: Ellie"
                          ).child_names[:1] == ("Ellie",)


def test_hyphenated_stage_words_count_towards_the_age_band() -> None:
    texts = ["She went to a pre-school playgroup on two mornings a week.",
             "The pre-school had seen her every week since the spring."]
    assert review_context(texts).age_band == "under_5"
