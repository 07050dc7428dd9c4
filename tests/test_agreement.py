"""Inter-coder agreement: NVivo-style per-label figures, record matching, unmatched records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.agreement import compare_codings
from pipeline.cli import main
from pipeline.records import LabelledPassage as LP

FIXTURES = Path(__file__).parent / "fixtures" / "labelled"
MO = "missed_opportunity"


def test_per_label_figures_match_a_hand_count() -> None:
    # missed_opportunity over 10 passages: both 3, A only 2, B only 1, neither 4
    pattern = [(1, 1)] * 3 + [(1, 0)] * 2 + [(0, 1)] + [(0, 0)] * 4
    a = [LP(f"passage {i}", [MO] if x else [], "r") for i, (x, _) in enumerate(pattern)]
    b = [LP(f"passage {i}", [MO] if y else [], "r") for i, (_, y) in enumerate(pattern)]
    result = compare_codings(a, b, names=("ann", "ben"))
    m = result["labels"][MO]
    assert (m["both"], m["ann_only"], m["ben_only"], m["neither"]) == (3, 2, 1, 4)
    assert m["agreement_pct"] == 70.0
    po, pe = 0.7, 0.5 * 0.4 + 0.5 * 0.6  # A says yes 5/10, B 4/10
    assert m["kappa"] == pytest.approx((po - pe) / (1 - pe), abs=1e-4)
    assert result["labels"]["extrafamilial_harm"]["agreement_pct"] == 100.0
    assert result["matched_by"] == "doc_text" and result["matched"] == 10


def test_matching_prefers_id_then_doc_and_text_then_text_and_reports_the_rest() -> None:
    a = [LP("Same words.", [MO], "r1", {"id": "p1"}), LP("Same words.", [], "r2", {"id": "p2"}),
         LP("Only A has this.", [], "r1", {"id": "p3"})]
    b = [LP("Same  words.", [], "r2", {"id": "p2"}), LP("Same words.", [MO], "r1", {"id": "p1"}),
         LP("Only B has this.", [MO], "r1", {"id": "p9"})]
    by_id = compare_codings(a, b)
    assert by_id["matched_by"] == "id" and by_id["matched"] == 2
    assert by_id["labels"][MO]["agreement_pct"] == 100.0
    assert by_id["unmatched"] == {"A": 1, "B": 1}
    assert by_id["unmatched_examples"] == {"A": ["Only A has this."], "B": ["Only B has this."]}

    for p in (*a, *b):
        p.meta.clear()
    assert compare_codings(a, b)["matched_by"] == "doc_text"
    b[0].doc_id = None
    assert compare_codings(a, b)["matched_by"] == "text"


def test_ids_that_name_different_texts_are_not_trusted() -> None:
    # two tool projects both numbered their tasks from 1
    a = [LP("First.", [MO], "r", {"id": 1}), LP("Second.", [], "r", {"id": 2})]
    b = [LP("Second.", [], "r", {"id": 1}), LP("First.", [MO], "r", {"id": 2})]
    result = compare_codings(a, b)
    assert result["matched_by"] == "doc_text"
    assert result["labels"][MO]["kappa"] == 1.0
    with pytest.raises(ValueError, match="cannot match by id"):
        compare_codings(a, b, match="id")


def test_agreement_command_across_tool_formats(tmp_path: Path, capsys) -> None:
    tasks = json.loads((FIXTURES / "label_studio.json").read_text())
    for task in tasks[:3]:  # coder B adds missed_opportunity to three passages
        for ann in task["annotations"]:
            ann["result"] = [{"type": "choices", "value": {"choices": [
                *[c for r in ann["result"] for c in r["value"]["choices"]], MO]}}]
    coder_b = tmp_path / "coder_b.json"
    coder_b.write_text(json.dumps(tasks))
    assert main(["agreement", str(FIXTURES / "prodigy.jsonl"), str(coder_b), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["files"]["prodigy"]["format"] == "prodigy"
    assert result["files"]["coder_b"]["format"] == "label-studio"
    assert result["matched"] == 30
    mo = result["labels"][MO]
    assert (mo["prodigy_only"], mo["coder_b_only"]) == (0, 3)
    assert result["labels"]["child_mental_health"]["kappa"] == 1.0

    assert main(["agreement", str(FIXTURES / "prodigy.jsonl"), str(coder_b)]) == 0
    text = capsys.readouterr().out
    assert "30 passages matched by text" in text and "coder_b only" in text
    assert "missed_opportunity" in text and "mean kappa" in text
