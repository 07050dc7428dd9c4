"""The command-line contract of issue 2: names and fields later work builds on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.batch import resume_options
from pipeline.cli import build_parser, main
from pipeline.records import LABELS

from .conftest import ROOT, SAMPLES

PASSAGE_FIELDS = {"doc_id", "passage_id", "source", "page", "para_no", "section", "text",
                  "labels", "scores", "evidence", "model"}
DOCUMENT_FIELDS = {"doc_id", "source", "sha256", "pages", "passages", "status", "label_counts"}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_run_writes_the_four_files_with_contract_fields(sample_run: Path) -> None:
    passages = _jsonl(sample_run / "passages.jsonl")
    documents = _jsonl(sample_run / "documents.jsonl")
    assert _jsonl(sample_run / "errors.jsonl") == []
    manifest = json.loads((sample_run / "manifest.json").read_text())
    pdfs = sorted(SAMPLES.glob("*.pdf"))
    assert len(documents) == len(pdfs) >= 3
    assert {d["status"] for d in documents} == {"ok"}
    for d in documents:
        assert d.keys() >= DOCUMENT_FIELDS
        assert len(d["sha256"]) == 64 and d["pages"] > 1 and d["passages"] > 10
    assert len(passages) == sum(d["passages"] for d in documents)
    for p in passages:
        assert p.keys() >= PASSAGE_FIELDS
        assert set(p["labels"]) <= set(LABELS)
        assert set(p["scores"]) == set(LABELS)
        assert p["page"] >= 1 and p["text"].strip()
        for ev in p["evidence"]:
            assert p["text"][ev["start"]:ev["end"]] == ev["text"]
    assert manifest["counts"]["passages"] == len(passages)
    assert manifest["model"]["model_id"] == passages[0]["model"]
    assert "scikit-learn" in manifest["versions"]


def test_labels_follow_the_text_not_the_file(sample_run: Path) -> None:
    passages = _jsonl(sample_run / "passages.jsonl")
    coded = [p for p in passages if p["labels"]]
    assert coded and len(coded) < len(passages), "a real coder labels some passages, not all"


@pytest.mark.parametrize("command", [[], ["run"], ["classify"], ["corpus"]])
def test_every_command_explains_itself(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([*command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: cspr" in out and len(out) > 200


def test_classify_keeps_records_and_order(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"text": "Maya was fifteen years old and in Year 10 at a large secondary school when "
                 "the events considered by this review took place.", "doc_id": "a", "k": 0},
        {"text": "In March Maya told the school nurse she had been cutting her arms most nights "
                 "and sometimes felt she did not want to be alive. The nurse referred her to "
                 "CAMHS, where she waited eleven weeks for a first appointment.",
         "doc_id": "a", "k": 1},
        {"text": "The review panel met four times between March and July 2023. Its members "
                 "were senior managers from the agencies involved, none of whom had line "
                 "management responsibility for the practitioners whose work is discussed.",
         "doc_id": "a", "k": 2},
    ]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["classify", str(src), "--out", str(out)]) == 0
    got = _jsonl(out)
    assert [g["k"] for g in got] == [0, 1, 2]
    assert "child_mental_health" in got[1]["labels"]
    assert got[2]["labels"] == []


def test_tampered_model_is_refused(tmp_path: Path, capsys) -> None:
    model = tmp_path / "model"
    shutil.copytree(ROOT / "models" / "default", model)
    with open(model / "model.joblib", "ab") as fh:
        fh.write(b"\0")
    code = main(["run", str(SAMPLES), "--out", str(tmp_path / "o"), "--model", str(model)])
    assert code == 2
    assert "does not match the card" in capsys.readouterr().err


def test_library_api_gives_what_the_command_gives(sample_run: Path, tmp_path: Path) -> None:
    import pipeline

    summary = pipeline.run([SAMPLES], tmp_path / "lib", jobs=1)
    assert summary.failed == 0
    cli = _jsonl(sample_run / "passages.jsonl")
    lib = _jsonl(tmp_path / "lib" / "passages.jsonl")
    assert [(p["passage_id"], p["labels"]) for p in lib] == [
        (p["passage_id"], p["labels"]) for p in cli]
    model, card = pipeline.load_model()
    assert card["model_id"] == cli[0]["model"]


def test_a_wider_check_margin_lists_more_labels_to_check(sample_run: Path,
                                                         tmp_path: Path) -> None:
    """The codes stay; only 'check' widens, worked out from each passage's scores, and the
    cached codings of the first run serve the second."""
    wide = tmp_path / "wide"
    assert main(["run", str(SAMPLES), "--out", str(wide), "--cache", str(sample_run / ".cache"),
                 "--check-margin", "0.3"]) == 0
    narrow, widened = _jsonl(sample_run / "passages.jsonl"), _jsonl(wide / "passages.jsonl")
    manifest = json.loads((wide / "manifest.json").read_text())
    thresholds = manifest["model"]["thresholds"]
    assert manifest["model"]["check_margin"] == 0.3
    assert manifest["cache"]["documents_computed"] == 0
    assert [p["labels"] for p in widened] == [p["labels"] for p in narrow]
    for n, w in zip(narrow, widened, strict=True):
        assert set(n["check"]) <= set(w["check"])
        assert w["check"] == [lab for lab in LABELS
                              if abs(w["scores"][lab] - thresholds[lab]) < 0.3]
    assert sum(map(len, (w["check"] for w in widened))) > sum(map(len, (n["check"]
                                                                        for n in narrow)))
    assert resume_options(wide)["check_margin"] == 0.3, "--resume keeps the margin"


def test_classify_takes_a_check_margin_and_refuses_a_meaningless_one(tmp_path: Path,
                                                                    capsys) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "The mother said she had felt low since the baby was "
                                       "born and the health visitor noted it.",
                               "doc_id": "a"}) + "\n")
    for margin, out in (("1", tmp_path / "all.jsonl"), ("0", tmp_path / "none.jsonl")):
        assert main(["classify", str(src), "--out", str(out), "--check-margin", margin]) == 0
    assert _jsonl(tmp_path / "all.jsonl")[0]["check"] == list(LABELS)
    assert _jsonl(tmp_path / "none.jsonl")[0]["check"] == []
    assert main(["classify", str(src), "--out", str(tmp_path / "x.jsonl"),
                 "--check-margin", "1.5"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err
