"""A run killed with SIGKILL part way, then resumed, gives the same records as one that was not."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.batch import run
from pipeline.cli import main

from .conftest import ROOT, SAMPLES

MODEL = Path(os.environ.get("CSPR_TEST_MODEL", ROOT / "models" / "default"))
COPIES = 4  # of each sample, with distinct bytes, so every file is real work


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reviews"
    folder.mkdir()
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        for i in range(COPIES):  # bytes after %%EOF: same review, another file
            (folder / f"{pdf.stem}-{i}.pdf").write_bytes(pdf.read_bytes() + b"%%copy-%d\n" % i)
    return folder


def _cached_predictions(out: Path) -> int:
    return sum(1 for _ in (out / ".parts").glob("predict/*/*/*.json"))


def _records(out: Path) -> dict[str, list[dict]]:
    return {name: _jsonl(out / name)
            for name in ("passages.jsonl", "documents.jsonl", "errors.jsonl")}


@pytest.mark.parametrize("jobs", [1, 2])
def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path: Path, jobs: int) -> None:
    folder = _folder(tmp_path)
    total = len(list(folder.glob("*.pdf")))
    reference = tmp_path / "reference"
    run([folder], reference, MODEL, jobs=1, use_cache=False, progress=False)

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(folder), "--out", str(out),
           "--model", str(MODEL), "--jobs", str(jobs), "--no-cache"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _cached_predictions(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, as a crash would
    _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
    finished = _cached_predictions(out)
    assert 3 <= finished < total, "killed part way: some documents done, not all"
    assert not (out / "passages.jsonl").exists()  # never a truncated file

    # what a user types: no INPUTs, the interrupted run's options are reused
    assert main(["run", "--out", str(out), "--resume"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cache"]["prediction_hits"] == finished, "finished documents not redone"
    assert manifest["cache"]["documents_computed"] == total - finished
    assert _records(out) == _records(reference)
    assert not (out / ".parts").exists(), "--no-cache parts are removed once the run completes"
    assert not list(out.glob(".*.tmp"))


def test_resume_without_a_previous_run_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["run", "--out", str(tmp_path / "nothing"), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert main(["run", "--out", str(tmp_path / "x")]) == 2
