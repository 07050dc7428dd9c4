"""Labelled files from every supported tool read to the same passages; bad files are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.formats import LabelError, load_labelled, resolve_duplicates
from pipeline.records import LabelledPassage

FIXTURES = Path(__file__).parent / "fixtures" / "labelled"
FORMATS = {"codebook.jsonl": "codebook-jsonl", "prodigy.jsonl": "prodigy",
           "doccano.jsonl": "doccano", "label_studio.json": "label-studio", "labels.csv": "csv"}


def _master() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "codebook.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_is_detected_and_reads_the_same_passages(name: str) -> None:
    loaded = load_labelled(FIXTURES / name)
    assert loaded.format == FORMATS[name]
    master = _master()
    assert [p.text for p in loaded.passages] == [r["text"] for r in master]
    assert [p.labels for p in loaded.passages] == [r["labels"] for r in master]
    assert [p.doc_id for p in loaded.passages] == [r["doc_id"] for r in master]


def test_only_real_annotations_count() -> None:
    assert load_labelled(FIXTURES / "prodigy.jsonl").skipped == {
        "answer 'reject'": 1, "answer 'ignore'": 1}
    assert load_labelled(FIXTURES / "label_studio.json").skipped == {"not annotated": 1}


def test_label_studio_latest_annotation_wins_and_cancelled_ones_do_not_count(tmp_path) -> None:
    def ann(choices, updated, cancelled=False):
        return {"result": [{"type": "choices", "value": {"choices": choices}}],
                "updated_at": updated, "was_cancelled": cancelled}
    tasks = [{"id": 1, "data": {"text": "Some passage text here."}, "annotations": [
        ann(["missed_opportunity"], "2024-01-02"), ann(["extrafamilial_harm"], "2024-03-01"),
        ann(["child_mental_health"], "2024-09-09", cancelled=True)]}]
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks))
    assert load_labelled(path).passages[0].labels == ["extrafamilial_harm"]


def _bad_label_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """One file per format whose second record carries the label 'child_mh'."""
    good, bad = ["missed_opportunity"], ["child_mh"]
    a, b = "First passage of the review.", "Second passage of the review."
    files = {
        "codebook.jsonl": "\n".join(json.dumps({"text": t, "labels": labs, "doc_id": "r"})
                                    for t, labs in ((a, good), (b, bad))),
        "prodigy.jsonl": "\n".join(json.dumps({"text": t, "accept": labs, "answer": "accept",
                                               "options": [{"id": x} for x in good + bad]})
                                   for t, labs in ((a, good), (b, bad))),
        "doccano.jsonl": "\n".join(json.dumps({"id": i, "text": t, "label": labs})
                                   for i, (t, labs) in enumerate(((a, good), (b, bad)))),
        "ls.json": json.dumps([{"data": {"text": t}, "annotations": [{"result": [
            {"type": "choices", "value": {"choices": labs}}]}]} for t, labs in
            ((a, good), (b, bad))]),
        "labels.csv": f"text,labels\n{a},{good[0]}\n{b},{bad[0]};missed_opportunity\n",
    }
    out = {}
    for name, content in files.items():
        (tmp_path / name).write_text(content)
        out[name] = (tmp_path / name, "record 2" if name == "ls.json" else "line 3"
                     if name == "labels.csv" else "line 2")
    return out


@pytest.mark.parametrize("name", ["codebook.jsonl", "prodigy.jsonl", "doccano.jsonl", "ls.json",
                                  "labels.csv"])
def test_unknown_label_is_refused_with_file_and_line(tmp_path: Path, name: str) -> None:
    path, where = _bad_label_files(tmp_path)[name]
    with pytest.raises(LabelError) as exc:
        load_labelled(path)
    msg = str(exc.value)
    assert str(path) in msg and where in msg and "'child_mh'" in msg and "codebook" in msg


@pytest.mark.parametrize(("content", "name", "expect"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "x.jsonl", "not UTF-8"),
    (b'{"text": "a", "labels": []}\n{"text": "b", "labels": [\n', "x.jsonl", "line 2"),
    (b'[{"data": {"text": "a"}, "annotations": [', "x.json", "Label Studio"),
    (b"passage,tags\nhello,x\n", "x.csv", "'text', 'labels'"),
    (b'{"title": "a review", "pages": 3}\n', "x.jsonl", "cannot tell the format"),
])
def test_unreadable_file_says_what_was_expected(tmp_path: Path, content: bytes, name: str,
                                                expect: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LabelError) as exc:
        load_labelled(path)
    msg = str(exc.value)
    assert str(path) in msg and expect in msg and "expected" in msg


def test_unlabelled_task_file_is_refused_not_trained_as_negatives(tmp_path: Path) -> None:
    path = tmp_path / "to_label.jsonl"
    path.write_text(json.dumps({"text": "A passage to label.", "doc_id": "r",
                                "meta": {"passage_id": "r-1"}}) + "\n")
    with pytest.raises(LabelError, match="unlabelled task file"):
        load_labelled(path)


def test_prodigy_binary_annotations_are_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "binary.jsonl"
    path.write_text(json.dumps({"text": "A passage.", "label": "missed_opportunity",
                                "answer": "accept"}) + "\n")
    with pytest.raises(LabelError, match="Binary"):
        load_labelled(path)


def test_duplicate_texts_later_label_wins_and_keeps_review() -> None:
    seed = LabelledPassage("The  nurse did not refer her.", ["missed_opportunity"], "r1")
    other = LabelledPassage("Unrelated passage.", [], "r1")
    relabel = LabelledPassage("The nurse did not refer  her.", [], None)
    kept, origins, dups = resolve_duplicates([seed, other, relabel], ["seed", "seed", "new"])
    assert [p.text for p in kept] == ["The nurse did not refer  her.", "Unrelated passage."]
    assert kept[0].labels == [] and kept[0].doc_id == "r1"
    assert origins == ["new", "seed"]
    assert len(dups) == 1 and dups[0].conflicting
    assert dups[0].dropped_labels == ("missed_opportunity",)


def test_same_words_in_two_reviews_are_two_passages_unless_review_is_unknown() -> None:
    text = "Mother said she felt low."
    a = LabelledPassage(text, ["preschool_parental_mh"], "baby")
    b = LabelledPassage(text, [], "teen")
    kept, _origins, dups = resolve_duplicates([a, b])
    assert [p.labels for p in kept] == [["preschool_parental_mh"], []] and not dups
    kept, _origins, dups = resolve_duplicates([a, b, LabelledPassage(text, ["missed_opportunity"])])
    assert [(p.doc_id, p.labels) for p in kept] == [("baby", ["missed_opportunity"]),
                                                    ("teen", ["missed_opportunity"])]
    assert len(dups) == 2
