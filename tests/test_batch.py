"""Batch runs: the content-hash cache, input order, atomic outputs, exit status, progress."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import joblib
import pytest

from pipeline import batch
from pipeline.cli import main
from pipeline.store import ARTEFACT, CARD, sha256_file

from .conftest import ROOT, SAMPLES

MODEL = Path(os.environ.get("CSPR_TEST_MODEL", ROOT / "models" / "default"))
RUN_FILES = ("passages.jsonl", "documents.jsonl", "errors.jsonl")
N = len(list(SAMPLES.glob("*.pdf")))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _forbid_work(monkeypatch, classify: bool = True) -> None:
    """Make extraction (and classification) fail loudly if they run at all."""

    def boom(*_a, **_k):
        raise AssertionError("this work should have come from the cache")

    monkeypatch.setattr(batch, "extract", boom)
    monkeypatch.setattr(batch, "segment", boom)
    if classify:
        monkeypatch.setattr(batch, "classify_extractions", boom)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("first")
    assert main(["run", str(SAMPLES), "--out", str(out), "--model", str(MODEL), "-j", "1"]) == 0
    return out


def test_documents_and_passages_come_in_input_order(first_run: Path) -> None:
    documents = _jsonl(first_run / "documents.jsonl")
    assert [Path(d["source"]).name for d in documents] == sorted(
        p.name for p in SAMPLES.glob("*.pdf"))
    order = [d["doc_id"] for d in documents]
    seen = list(dict.fromkeys(p["doc_id"] for p in _jsonl(first_run / "passages.jsonl")))
    assert seen == order
    m = _manifest(first_run)
    assert m["run"]["jobs"] == 1 and m["run"]["backend"] == "loky"
    assert m["cache"] == {"prediction_hits": 0, "extraction_hits": 0, "documents_computed": N,
                          "pages_computed": sum(d["pages"] for d in documents)}
    assert m["timings"]["total_seconds"] >= m["timings"]["compute_seconds"] > 0


def test_rerun_over_unchanged_files_does_no_work(first_run: Path, tmp_path: Path,
                                                 monkeypatch) -> None:
    out = tmp_path / "again"
    shutil.copytree(first_run, out)
    _forbid_work(monkeypatch)
    summary = batch.run([SAMPLES], out, MODEL, jobs=1, progress=False)
    assert summary.failed == 0 and summary.cache_hits == {"prediction": N}
    for name in RUN_FILES:
        assert (out / name).read_bytes() == (first_run / name).read_bytes(), name
    assert _manifest(out)["cache"]["documents_computed"] == 0


def test_a_new_model_reruns_classification_only(first_run: Path, tmp_path: Path,
                                                monkeypatch) -> None:
    model = tmp_path / "model-b"
    shutil.copytree(MODEL, model)
    joblib.dump(joblib.load(MODEL / ARTEFACT), model / ARTEFACT, compress=1)  # new bytes
    card = json.loads((model / CARD).read_text())
    card["artefacts"][ARTEFACT] = sha256_file(model / ARTEFACT)
    assert card["artefacts"][ARTEFACT] != sha256_file(MODEL / ARTEFACT)
    (model / CARD).write_text(json.dumps(card))
    _forbid_work(monkeypatch, classify=False)
    out = tmp_path / "b"
    summary = batch.run([SAMPLES], out, model, jobs=1, cache_dir=first_run / ".cache",
                        progress=False)
    assert summary.failed == 0
    m = _manifest(out)
    assert m["cache"]["extraction_hits"] == N and m["cache"]["prediction_hits"] == 0
    assert m["cache"]["documents_computed"] == N
    # the same model under another hash codes the same passages the same way
    assert _jsonl(out / "passages.jsonl") == _jsonl(first_run / "passages.jsonl")


def test_a_bad_document_in_a_classification_batch_fails_alone() -> None:
    sha = json.loads((MODEL / CARD).read_text())["artefacts"][ARTEFACT]
    texts = ["Baby N was four months old. Mother had postnatal depression and was not "
             "referred to the perinatal mental health team.",
             "Dylan, aged 15, was found in another county with drugs and cash."]
    extractions = [{"doc_id": f"d{i}", "title": None, "pages": 1, "passages": [{"text": t}]}
                   for i, t in enumerate(texts)]
    broken = {"doc_id": "broken", "title": None, "pages": 1, "passages": [{"txt": "?"}]}
    tasks = [batch.Task(f"sha{i}", f"{i}.pdf", e["doc_id"], str(MODEL), sha, None, e)
             for i, e in enumerate([extractions[0], broken, extractions[1]])]
    outcomes = batch.process_extracted(tasks)
    assert [o.sha256 for o in outcomes] == ["sha0", "sha1", "sha2"]
    assert outcomes[1].error is not None and outcomes[1].error[0] == "internal_error"
    model = batch._worker_model(str(MODEL), sha)
    alone = [batch.classify_extractions(model, [e])[0] for e in extractions]
    assert [outcomes[0].prediction, outcomes[2].prediction] == alone
    assert "preschool_parental_mh" in alone[0]["predictions"][0]["labels"]


def test_a_damaged_cache_entry_is_recomputed(first_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "damaged"
    shutil.copytree(first_run, out)
    entries = sorted((out / ".cache" / "predict").rglob("*.json"))
    entries[0].write_text('{"sha256": "trunc')  # as a power cut might leave it
    assert batch.run([SAMPLES], out, MODEL, jobs=1, progress=False).failed == 0
    assert (out / "passages.jsonl").read_bytes() == (first_run / "passages.jsonl").read_bytes()


def test_a_crash_while_writing_leaves_the_previous_outputs_whole(first_run: Path,
                                                                 tmp_path: Path,
                                                                 monkeypatch) -> None:
    out = tmp_path / "crash"
    shutil.copytree(first_run, out)
    before = {name: (out / name).read_bytes() for name in RUN_FILES}
    calls = {"n": 0}
    real = batch.ResultCache.records

    def dies_part_way(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C while passages were written
        return real(self, *args)

    monkeypatch.setattr(batch.ResultCache, "records", dies_part_way)
    with pytest.raises(KeyboardInterrupt):
        batch.run([SAMPLES], out, MODEL, jobs=1, progress=False)
    assert {name: (out / name).read_bytes() for name in RUN_FILES} == before
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_exit_status_and_summary(first_run: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cli"
    assert main(["run", str(SAMPLES), "--out", str(out), "--model", str(MODEL),
                 "--cache", str(first_run / ".cache"), "-j", "1"]) == 0
    printed = capsys.readouterr().out
    assert f"{N} documents coded, 0 failed" in printed and f"({N} from cache)" in printed
    assert "missed_opportunity" in printed
    assert main(["run", str(tmp_path / "missing.pdf"), "--out", str(out), "--model",
                 str(MODEL), "-j", "1", "--no-cache"]) == 1
    assert _jsonl(out / "errors.jsonl")[0]["kind"] == "unreadable_path"
    assert main(["run", str(SAMPLES), "--out", str(out), "--model", str(tmp_path)]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["run", str(SAMPLES), "--out", str(out), "--backend", "spark"])
    assert exc.value.code == 2


def test_progress_bar_only_on_an_interactive_terminal(monkeypatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", Tty())
    monkeypatch.delenv("CI", raising=False)
    assert not batch._progress(10, None).disable
    monkeypatch.setenv("CI", "true")
    assert batch._progress(10, None).disable
    monkeypatch.setattr("sys.stderr", io.StringIO())
    monkeypatch.delenv("CI")
    assert batch._progress(10, None).disable


def test_the_classifier_fingerprint_covers_every_module_the_model_imports() -> None:
    """A code change in any of them must invalidate cached predictions."""
    import subprocess
    import sys

    from pipeline.cache import CLASSIFIER_CODE, PACKAGE

    out = subprocess.run(
        [sys.executable, "-c", "import sys, pipeline.model; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True).stdout.split()
    modules = {m.split(".")[1] for m in out if m.startswith("pipeline.")}
    assert {f"{m}.py" for m in modules} <= set(CLASSIFIER_CODE)
    assert all((PACKAGE / part).exists() for part in CLASSIFIER_CODE)
