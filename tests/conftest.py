from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus" / "samples"


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """One `cspr run` over the shipped sample PDFs, shared by the output tests."""
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("run")
    assert main(["run", str(SAMPLES), "--out", str(out)]) == 0
    return out
