"""The notebooks run top to bottom on the sample run, and are stored without outputs."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra is not installed")

from .conftest import ROOT  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"


def _execute(name: str, env: dict[str, str], monkeypatch, tmp_path: Path) -> object:
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # what the notebook writes stays in the test
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    return nb


def _outputs(nb, output_type: str | None = None) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if output_type is None or o.get("output_type") == output_type]


def _pngs(nb) -> list[bytes]:
    return [base64.b64decode(o["data"]["image/png"]) for o in _outputs(nb)
            if "image/png" in o.get("data", {})]


@pytest.mark.parametrize("name", ["explore_run.ipynb", "retraining.ipynb"])
def test_notebook_is_stored_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_explore_notebook_runs_on_the_sample_run(sample_run: Path, monkeypatch,
                                                 tmp_path: Path) -> None:
    nb = _execute("explore_run.ipynb", {"CSPR_RUN_DIR": str(sample_run)}, monkeypatch, tmp_path)
    assert not _outputs(nb, "error")
    pngs = _pngs(nb)
    assert len(pngs) >= 3 and all(p.startswith(b"\x89PNG") for p in pngs)
    html = "".join(o["data"].get("text/html", "") for o in _outputs(nb) if "data" in o)
    assert "<mark" in html, "passages to read show their evidence highlighted"
    text = "".join(o.get("text", "") for o in _outputs(nb, "stream"))
    assert "passages to check" in text


def test_retraining_notebook_trains_and_compares(monkeypatch, tmp_path: Path) -> None:
    nb = _execute("retraining.ipynb", {}, monkeypatch, tmp_path)
    assert not _outputs(nb, "error")
    cards = list(tmp_path.glob("cspr_retrained_*/card.json"))
    assert len(cards) == 1, "train_and_save wrote a model folder"
    html = "".join(o["data"].get("text/html", "") for o in _outputs(nb) if "data" in o)
    assert "base + new labels" in html and "macro F1" in html
    assert len(_pngs(nb)) == 1
