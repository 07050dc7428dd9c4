"""Re-coding a folder with a new model: extraction from the cache, classification only.

    .venv/bin/python benchmarks/bench_reclassify.py [--docs 80] [--work DIR]

After retraining, ``cspr run`` over the same folder reuses every cached extraction and
only classifies. This times that path in one process (``jobs=1``) on the corpus review
PDFs that ``bench_batch.py`` renders (cached in ``--work``): first one run to fill the
extraction cache, then, each with the default model saved under a new hash so that no
prediction comes from the cache, documents coded one per model call (the baseline:
``CLASSIFY_BATCH = 1``, as before batching) and batched (the default). Prints
passages/s and the ratio, and checks that both wrote the same passages.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import joblib  # noqa: E402

from benchmarks.bench_batch import _render_all  # noqa: E402
from pipeline import batch  # noqa: E402
from pipeline.store import ARTEFACT, CARD, DEFAULT_MODEL_DIR, sha256_file  # noqa: E402


def model_copy(dest: Path, compress: int) -> Path:
    """The default model under another hash (same estimator, other pickle bytes)."""
    shutil.copytree(DEFAULT_MODEL_DIR, dest)
    joblib.dump(joblib.load(DEFAULT_MODEL_DIR / ARTEFACT), dest / ARTEFACT, compress=compress)
    card = json.loads((dest / CARD).read_text())
    card["artefacts"][ARTEFACT] = sha256_file(dest / ARTEFACT)
    (dest / CARD).write_text(json.dumps(card))
    return dest


def timed_run(folder: Path, out: Path, model: Path, cache: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    summary = batch.run([folder], out, model, jobs=1, cache_dir=cache, progress=False)
    return time.perf_counter() - t0, summary.passages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=80)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "cspr-bench-batch")
    args = parser.parse_args()
    parts = sorted(_render_all(args.work / "parts"))[: args.docs]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "pdfs"
        folder.mkdir()
        for p in parts:
            os.symlink(p, folder / p.name)
        cache = tmp / "cache"
        timed_run(folder, tmp / "fill", DEFAULT_MODEL_DIR, cache)
        default_batch = batch.CLASSIFY_BATCH
        batch.CLASSIFY_BATCH = 1
        one_s, n = timed_run(folder, tmp / "one", model_copy(tmp / "m1", 1), cache)
        batch.CLASSIFY_BATCH = default_batch
        many_s, _ = timed_run(folder, tmp / "many", model_copy(tmp / "m2", 2), cache)
        same = ((tmp / "one" / "passages.jsonl").read_bytes()
                == (tmp / "many" / "passages.jsonl").read_bytes())
    print(f"{len(parts)} documents, {n:,} passages, classification only (extraction cached), "
          "one process")
    print(f"  one document per model call (baseline)  {n / one_s:>8,.0f} passages/s   1.00x")
    print(f"  batched, {default_batch:,} passages per call     {n / many_s:>8,.0f} passages/s"
          f"   {one_s / many_s:.2f}x")
    print(f"  same passages written: {same}")


if __name__ == "__main__":
    main()
