"""load_results: run folders into pandas frames, and refusal of files it cannot read."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.records import LABELS, SCHEMA_VERSION
from pipeline.results import SchemaVersionError, load_results


def make_passage(doc_id: str, n: int, text: str, labels: Sequence[str] = (),
                 evidence: Sequence[dict[str, Any]] = (), check: Sequence[str] = (),
                 page: int = 1) -> dict[str, Any]:
    """A passage record as `cspr run` writes it (for hand-made edge cases)."""
    return {"schema_version": SCHEMA_VERSION, "doc_id": doc_id, "passage_id": f"{doc_id}:{n:04d}",
            "source": f"{doc_id}.pdf", "page": page, "para_no": f"1.{n}", "section": "Analysis",
            "kind": "body", "text": text, "sentences": [[0, len(text)]],
            "labels": list(labels),
            "scores": {lab: (0.9 if lab in labels else 0.45 if lab in check else 0.05)
                       for lab in LABELS},
            "evidence": list(evidence), "explanations": {}, "check": list(check), "flags": [],
            "model": "test-model"}


def write_run(folder: Path, passages: Sequence[dict[str, Any]],
              documents: Sequence[dict[str, Any]] | None = None) -> Path:
    """A run folder with these passages; one ok document per doc_id unless given."""
    folder.mkdir(parents=True, exist_ok=True)
    if documents is None:
        doc_ids = list(dict.fromkeys(p["doc_id"] for p in passages))
        documents = [{"schema_version": SCHEMA_VERSION, "doc_id": d, "source": f"{d}.pdf",
                      "sha256": "a" * 64, "title": f"Review {d}", "pages": 5,
                      "passages": sum(p["doc_id"] == d for p in passages), "status": "ok",
                      "label_counts": {lab: sum(lab in p["labels"] for p in passages
                                                if p["doc_id"] == d) for lab in LABELS}}
                     for d in doc_ids]
    for name, records in (("passages.jsonl", passages), ("documents.jsonl", documents),
                          ("errors.jsonl", [])):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records),
                                   encoding="utf-8")
    manifest = {"schema_version": SCHEMA_VERSION, "cspr_version": "test", "versions": {},
                "model": {"model_id": "test-model", "sha256": {}}, "inputs": [],
                "counts": {"documents": len(documents), "failed": 0,
                           "passages": len(passages), "labels": {}},
                "timings": {"total_seconds": 0.0}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_import_from_the_package() -> None:
    from pipeline import Results
    from pipeline import load_results as exported

    assert exported is load_results and Results.__name__ == "Results"


def test_passages_frame_has_a_column_per_label_and_score(sample_run: Path) -> None:
    raw = _jsonl(sample_run / "passages.jsonl")
    res = load_results(sample_run)
    p = res.passages
    assert len(p) == len(raw) and list(p["passage_id"]) == [r["passage_id"] for r in raw]
    for lab in LABELS:
        assert p[lab].dtype == bool and p[f"score_{lab}"].dtype == float
        assert list(p[lab]) == [lab in r["labels"] for r in raw]
        assert p[f"score_{lab}"].tolist() == pytest.approx([r["scores"][lab] for r in raw])
    assert p["evidence"].tolist() == [r["evidence"] for r in raw], "evidence stays a list"
    assert list(p["needs_check"]) == [bool(r["check"]) for r in raw]
    assert str(p["page"].dtype) == "Int64" and p["page"].min() >= 1
    assert set(p["run"]) == {str(sample_run)}
    assert "scores" not in p.columns


def test_documents_errors_and_manifest(sample_run: Path) -> None:
    res = load_results(sample_run)
    d, p = res.documents, res.passages
    assert len(d) == len(_jsonl(sample_run / "documents.jsonl")) >= 3
    for lab in LABELS:
        per_doc = p.groupby("doc_id")[lab].sum()
        assert (d.set_index("doc_id")[f"n_{lab}"] == per_doc.reindex(d["doc_id"])).all()
    assert res.errors.empty and {"source", "kind", "message"} <= set(res.errors.columns)
    assert res.manifests[str(sample_run)]["counts"]["passages"] == len(p)
    assert "passages" in repr(res)


def test_several_runs_are_concatenated_with_their_folder(sample_run: Path,
                                                         tmp_path: Path) -> None:
    second = write_run(tmp_path / "second", [make_passage("x", 0, "Text.", ["missed_opportunity"])])
    res = load_results([sample_run, second, sample_run])
    n = len(_jsonl(sample_run / "passages.jsonl"))
    assert len(res.passages) == n + 1, "a folder named twice is read once"
    assert res.passages.groupby("run").size().to_dict() == {str(sample_run): n,
                                                            str(second): 1}
    assert set(res.manifests) == {str(sample_run), str(second)}


def test_an_empty_run_still_has_the_contract_columns(tmp_path: Path) -> None:
    res = load_results(write_run(tmp_path / "empty", []))
    assert res.passages.empty and res.documents.empty
    for col in ("doc_id", "text", *LABELS, *(f"score_{lab}" for lab in LABELS), "evidence"):
        assert col in res.passages.columns
    assert isinstance(res.passages, pd.DataFrame)


def _copy(sample_run: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "run"
    shutil.copytree(sample_run, dst, ignore=shutil.ignore_patterns(".cache", "report.html"))
    return dst


@pytest.mark.parametrize("version,expect", [("2.0", "'2.0'"), ("1.7", "'1.7'"),
                                            (None, "no schema_version")])
def test_refuses_a_passage_file_from_a_newer_or_unknown_version(
        sample_run: Path, tmp_path: Path, version: str | None, expect: str) -> None:
    run = _copy(sample_run, tmp_path)
    lines = (run / "passages.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[2])
    if version is None:
        rec.pop("schema_version")
    else:
        rec["schema_version"] = version
    lines[2] = json.dumps(rec)
    (run / "passages.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SchemaVersionError) as exc:
        load_results(run)
    assert "passages.jsonl:3" in str(exc.value) and expect in str(exc.value)


def test_refuses_a_newer_manifest(sample_run: Path, tmp_path: Path) -> None:
    run = _copy(sample_run, tmp_path)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    (run / "manifest.json").write_text(json.dumps({**manifest, "schema_version": "3.1"}))
    with pytest.raises(SchemaVersionError, match="manifest.json.*'3.1'.*upgrade cspr"):
        load_results(run)


def test_a_folder_that_is_not_a_run_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no passages.jsonl"):
        load_results(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such run folder"):
        load_results(tmp_path / "missing")


def test_a_wider_check_band_comes_from_each_runs_own_thresholds(tmp_path: Path) -> None:
    passages = [make_passage("a", 0, "Far below every threshold."),
                make_passage("a", 1, "Near one threshold.", check=["missed_opportunity"]),
                make_passage("a", 2, "Given the label.", ["missed_opportunity"])]
    passages[0]["scores"]["child_mental_health"] = 0.28   # 0.12 below its threshold
    first = write_run(tmp_path / "first", passages)
    second = write_run(tmp_path / "second", passages)
    for folder, mo in ((first, 0.5), (second, 0.85)):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["model"]["thresholds"] = {lab: 0.4 for lab in LABELS} | {
            "missed_opportunity": mo}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    res = load_results([first, second])
    by_run = res.passages.assign(near=res.near_threshold(0.1)).groupby("run")["near"]
    # missed_opportunity's 0.45 is near the first run's 0.5, its 0.9 near the second's 0.85
    assert by_run.apply(list).to_dict() == {str(first): [False, True, False],
                                            str(second): [False, False, True]}
    # 0.2 also takes in the 0.28 below 0.4
    assert res.near_threshold(0.2).tolist() == [True, True, False, True, False, True]
    assert not res.near_threshold(0.01).any()


def test_a_wider_check_band_needs_a_run_that_recorded_its_thresholds(tmp_path: Path) -> None:
    res = load_results(write_run(tmp_path / "old", [make_passage("a", 0, "Text.")]))
    with pytest.raises(ValueError, match="no model thresholds"):
        res.near_threshold(0.2)
