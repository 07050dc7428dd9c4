"""What to label next: uncertain passages, spread over reviews, no near-duplicates, and a
file that comes back into training once labelled."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.formats import load_labelled
from pipeline.records import LABELS
from pipeline.suggest import find_run_model, suggest_from_run

THRESHOLDS = {"child_mental_health": 0.6, "preschool_parental_mh": 0.5,
              "extrafamilial_harm": 0.5, "missed_opportunity": 0.3}
ARTEFACTS = {"model.joblib": "ab" * 32}


def _passage(doc: str, n: int, text: str, mo: float, efh: float = 0.02, cmh: float = 0.01
             ) -> dict:
    scores = {"child_mental_health": cmh, "preschool_parental_mh": 0.0,
              "extrafamilial_harm": efh, "missed_opportunity": mo}
    return {"doc_id": doc, "passage_id": f"{doc}-p{n}", "page": 1, "section": "Analysis",
            "text": text, "scores": scores,
            "labels": [lab for lab, s in scores.items() if s >= THRESHOLDS[lab]],
            "check": [], "model": "m1"}


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    rows = [
        # r1 (a baby's review): the most uncertain passages, two of them near-duplicates.
        # An under-5 review keeps ThemeModel's preschool head non-empty in every fold.
        _passage("r1", 1, "The health visitor did not refer the family to children's social "
                 "care after the second bruise was seen on the baby.", 0.30),
        _passage("r1", 2, "The health visitor did not refer the family to children's social "
                 "care after the second bruise was seen on the baby's ear.", 0.31),
        _passage("r1", 3, "No strategy discussion was held when the school reported that the "
                 "baby, aged four months, had a burn on her hand.", 0.33),
        _passage("r1", 4, "The GP was not told that the father had been released from prison "
                 "in the month before the injury.", 0.34),
        # r2 and r3: less uncertain, but they must still get their turn
        _passage("r2", 1, "Police found the boy in a flat in another county with cash and two "
                 "phones, and returned him home without a referral.", 0.40, efh=0.55),
        _passage("r2", 2, "The youth offending service worked with him weekly and his "
                 "attendance improved over the spring term.", 0.05, efh=0.05),
        _passage("r2", 3, "He told the school nurse he had been self-harming and felt "
                 "hopeless, and she made a referral to CAMHS the same day.", 0.05, cmh=0.4),
        _passage("r3", 1, "Mother told the midwife she had stopped her medication for "
                 "depression when she learnt she was pregnant.", 0.45),
        _passage("r3", 2, "Contents", 0.30),  # too short to be worth labelling
        _passage("r3", 3, "The family moved to a new house in the summer and the children "
                 "changed schools in September.", 0.90),
    ]
    (run / "passages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (run / "manifest.json").write_text(json.dumps({"model": {"model_id": "m1",
                                                             "sha256": ARTEFACTS}}))
    return run


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    model = tmp_path / "models" / "m1"
    model.mkdir(parents=True)
    (model / "card.json").write_text(json.dumps({"model_id": "m1", "thresholds": THRESHOLDS,
                                                 "artefacts": ARTEFACTS}))
    return model


def test_picks_uncertain_passages_round_robin_without_near_duplicates(
        run_dir: Path, model_dir: Path, tmp_path: Path) -> None:
    result = suggest_from_run(run_dir, tmp_path / "next.jsonl", n=5, model_dir=model_dir)
    ids = [t["meta"]["passage_id"] for t in result.records]
    # round 1: r1 (margin 0), r2 (0.05), r3 (0.15); round 2: r1's next that is not a copy
    # (0.03), then r2's next (0.2)
    assert ids == ["r1-p1", "r2-p1", "r3-p1", "r1-p3", "r2-p3"]
    first = result.records[0]
    assert first["doc_id"] == "r1" and first["meta"]["uncertain_labels"] == ["missed_opportunity"]
    assert first["meta"]["suggested_labels"] == ["missed_opportunity"]
    assert set(first["meta"]["scores"]) == set(LABELS) and "labels" not in first
    capped = suggest_from_run(run_dir, tmp_path / "capped.jsonl", n=9, model_dir=model_dir,
                              per_review=1)
    assert sorted(t["doc_id"] for t in capped.records) == ["r1", "r2", "r3"]


def test_thresholds_come_from_the_model_that_coded_the_run(run_dir: Path, model_dir: Path
                                                           ) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    card, source = find_run_model(manifest, model_dir.parent)
    assert card["thresholds"] == THRESHOLDS and source == str(model_dir)
    manifest["model"]["sha256"] = {"model.joblib": "cd" * 32}
    assert find_run_model(manifest, model_dir.parent)[0] is None


def test_already_labelled_passages_are_skipped(run_dir: Path, model_dir: Path,
                                               tmp_path: Path) -> None:
    done = tmp_path / "done.csv"
    done.write_text("text,labels\n\"The health visitor did not refer the family to children's "
                    "social care after the second bruise was seen on the baby.\","
                    "missed_opportunity\n")
    result = suggest_from_run(run_dir, tmp_path / "n.jsonl", n=3, model_dir=model_dir,
                              exclude=[done])
    assert result.skipped["already labelled"] == 1
    assert result.records[0]["meta"]["passage_id"] == "r1-p2"


def _label(task_text: str) -> list[str]:
    """A stand-in researcher, labelling by the codebook."""
    text = task_text.lower()
    labs = ["child_mental_health"] if "self-harm" in text else []
    if any(w in text for w in ("did not", "no strategy", "without")):
        labs.append("missed_opportunity")
    if "county" in text:
        labs.append("extrafamilial_harm")
    return labs


def test_suggested_jsonl_loads_back_into_train_once_labelled(
        run_dir: Path, model_dir: Path, tmp_path: Path, capsys) -> None:
    tasks = tmp_path / "to_label.jsonl"
    assert main(["suggest", str(run_dir), "--n", "20", "--out", str(tasks),
                 "--model", str(model_dir)]) == 0
    assert "8 passages from 3 reviews" in capsys.readouterr().out  # 10 less a copy, a heading
    # not yet labelled: refused rather than trained as eight negatives
    assert main(["train", str(tasks), "--no-base", "--no-cv", "--out", str(tmp_path / "x")]) == 2
    assert "unlabelled task file" in capsys.readouterr().err
    rows = [json.loads(line) for line in tasks.read_text().splitlines()]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps({**r, "labels": _label(r["text"])}) + "\n"
                                for r in rows))
    assert main(["train", str(labelled), "--no-base", "--no-cv", "--out",
                 str(tmp_path / "m")]) == 0
    assert "8 labelled passages (codebook-jsonl)" in capsys.readouterr().out
    back = load_labelled(labelled).passages
    assert [p.meta["passage_id"] for p in back] == [r["meta"]["passage_id"] for r in rows]
    assert {p.doc_id for p in back} == {"r1", "r2", "r3"}


def test_suggested_csv_loads_back_into_train_once_labelled(
        run_dir: Path, model_dir: Path, tmp_path: Path, capsys) -> None:
    tasks = tmp_path / "to_label.csv"
    assert main(["suggest", str(run_dir), "--n", "20", "--out", str(tasks),
                 "--model", str(model_dir)]) == 0
    with open(tasks, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["labels"] == "" and rows[0]["passage_id"] == "r1-p1"
    for row in rows:
        row["labels"] = ";".join(_label(row["text"]))
    labelled = tmp_path / "labelled.csv"
    with open(labelled, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["train", str(labelled), "--no-base", "--no-cv", "--out",
                 str(tmp_path / "m")]) == 0
    assert "8 labelled passages (csv)" in capsys.readouterr().out
    back = load_labelled(labelled).passages
    assert back[0].meta["passage_id"] == "r1-p1" and back[0].doc_id == "r1"
    assert back[0].labels == ["missed_opportunity"]
