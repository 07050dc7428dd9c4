"""``--backend dask``: the same work on a dask.distributed cluster gives the same output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipeline.cli import main

from .conftest import ROOT, SAMPLES

distributed = pytest.importorskip("distributed", reason="dask[distributed] is in the dask extra")
MODEL = Path(os.environ.get("CSPR_TEST_MODEL", ROOT / "models" / "default"))


def _records(out: Path) -> dict[str, list[dict]]:
    return {name: [json.loads(line) for line in (out / name).read_text().splitlines()]
            for name in ("passages.jsonl", "documents.jsonl", "errors.jsonl")}


def test_a_dask_cluster_run_equals_a_local_run(tmp_path: Path) -> None:
    local = tmp_path / "local"
    assert main(["run", str(SAMPLES), "--out", str(local), "--model", str(MODEL), "-j", "1",
                 "--no-cache"]) == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        out = tmp_path / "dask"
        code = main(["run", str(SAMPLES), "--out", str(out), "--model", str(MODEL),
                     "--backend", "dask", "--scheduler", cluster.scheduler_address,
                     "--no-cache"])
    assert code == 0
    assert _records(out) == _records(local)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run"]["backend"] == "dask"
    assert manifest["run"]["scheduler"] == cluster.scheduler_address
    assert manifest["cache"]["documents_computed"] == len(list(SAMPLES.glob("*.pdf")))


def test_dask_needs_a_reachable_scheduler(tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "o")
    assert main(["run", str(SAMPLES), "--out", out, "--model", str(MODEL),
                 "--backend", "dask"]) == 2
    assert "--scheduler" in capsys.readouterr().err
