"""Corpus-scale ``cspr run``: pages/s against a naive loop, re-run time, memory per worker.

    .venv/bin/python benchmarks/bench_batch.py [--docs 200] [--jobs 2] [--naive-docs 8]
                                               [--work DIR] [--model DIR]

Builds (once, cached in ``--work``, default ``$TMPDIR/cspr-bench-batch``) a corpus of
``--docs`` distinct review PDFs of 40+ pages each: every corpus review source is
rendered with ``render_pdf`` in both layouts, and each benchmark document
concatenates a different seeded choice of those renders (pypdfium2). Also one
300-page PDF. Then, in one run:

1. ours: ``cspr run CORPUS --out OUT --jobs N`` in a subprocess on a cold cache, timed
   end to end (start-up and model loading included). A sampler reads every worker's
   ``VmHWM`` (peak resident memory) from /proc while it runs.
2. re-run: the same command over the unchanged folder (everything from the cache).
3. naive: one process, pdfplumber ``extract_text()`` per page, passages split at
   blank-ish line ends, each passage classified on its own; on ``--naive-docs``
   documents and scaled by pages (pages/s does not depend on corpus size for a
   serial loop).
4. the 300-page PDF alone with ``--jobs 1``: peak RSS of the process that did the work.

Targets on a 2-core machine: >=150 pages/s and >=10x the naive loop; re-run <=10% of
the first run; peak memory per worker <400 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--child" not in sys.argv:  # children import the frozen snapshot (PYTHONPATH)
    sys.path.insert(0, str(ROOT))
CORPUS_VERSION = "v1"  # bump to rebuild cached corpora after changing the recipe


# ------------------------------------------------------------------ corpus
def _render_all(parts_dir: Path) -> list[Path]:
    from pipeline.corpus.render import LAYOUTS, render_pdf
    from pipeline.corpus.sources import load_sources

    parts_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for review in load_sources():
        for layout in LAYOUTS:
            path = parts_dir / f"{review.doc_id}-{layout}.pdf"
            if not path.exists():
                tmp = path.with_suffix(".tmp")
                render_pdf(review, tmp, layout)
                tmp.replace(path)
            out.append(path)
    return out


def build_corpus(work: Path, docs: int, min_pages: int = 40) -> tuple[Path, Path, int]:
    """``docs`` distinct long PDFs and one 300-page PDF; returns (folder, big PDF, pages)."""
    import pypdfium2 as pdfium

    folder = work / f"corpus-{CORPUS_VERSION}-{docs}"
    big = work / f"big-300-{CORPUS_VERSION}.pdf"
    stamp = folder / ".complete.json"
    if stamp.exists() and big.exists():
        return folder, big, json.loads(stamp.read_text())["pages"]
    t0 = time.perf_counter()
    parts = _render_all(work / "parts")
    opened = {p: pdfium.PdfDocument(str(p)) for p in parts}
    rng = random.Random(8)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    total = 0
    seen: set[tuple[str, ...]] = set()
    for i in range(docs):
        while True:
            chosen, pages = [], 0
            while pages < min_pages:
                p = rng.choice(parts)
                chosen.append(p)
                pages += len(opened[p])
            key = tuple(p.name for p in chosen)
            if key not in seen:
                seen.add(key)
                break
        pdf = pdfium.PdfDocument.new()
        for p in chosen:
            pdf.import_pages(opened[p])
        pdf.save(str(folder / f"review-{i:04d}.pdf"))
        total += len(pdf)
        pdf.close()
    pdf = pdfium.PdfDocument.new()
    while len(pdf) < 300:
        src = opened[rng.choice(parts)]
        pdf.import_pages(src, list(range(min(len(src), 300 - len(pdf)))))
    pdf.save(str(big))
    pdf.close()
    for d in opened.values():
        d.close()
    stamp.write_text(json.dumps({"pages": total, "docs": docs}))
    print(f"built {docs} PDFs, {total} pages in {time.perf_counter() - t0:.0f}s -> {folder}")
    return folder, big, total


# ------------------------------------------------------------------ measuring
def _vm_hwm_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(m.group(1)) / 1024 if m else None


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, from /proc (clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        out += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return out


def snapshot(work: Path) -> Path:
    """A frozen copy of the package for this benchmark's subprocesses.

    The cache keys on a hash of the extraction and classification code, so an edit in
    the working tree between the first run and the re-run would (rightly) make the
    re-run recompute everything; the benchmark measures one version of the code.
    """
    dest = work / "snapshot"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ROOT / "pipeline", dest / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "CI": "1"}  # CI: no progress bar


def run_cli(args: list[str], code: Path) -> tuple[float, dict[int, float], float, float]:
    """Wall seconds, peak MB per descendant, the main process's peak MB, CPU seconds of all."""
    cmd = [sys.executable, "-m", "pipeline.cli", *args]
    env = _env(code)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=code, env=env, stdout=subprocess.PIPE, text=True)
    peaks: dict[int, float] = {}
    cpu: dict[int, float] = {}
    main_peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            main_peak[0] = max(main_peak[0], _vm_hwm_mb(proc.pid) or 0.0)
            for kid in [proc.pid, *_descendants(proc.pid)]:
                mb, secs = _vm_hwm_mb(kid), _cpu_seconds(kid)
                if mb and kid != proc.pid:
                    peaks[kid] = max(peaks.get(kid, 0.0), mb)
                if secs is not None:
                    cpu[kid] = max(cpu.get(kid, 0.0), secs)
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"cspr run failed ({proc.returncode}):\n{out}")
    return seconds, peaks, main_peak[0], sum(cpu.values())


def _naive_child(paths: list[str], model_dir: str | None) -> dict:
    """The loop a first script would be: pdfplumber text, split, one predict per passage."""
    import pdfplumber

    from pipeline.store import load_model

    model, _card = load_model(model_dir)
    model.code(["warm up"], ["w"])
    pages = passages = 0
    start = time.perf_counter()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                text = page.extract_text() or ""
                pages += 1
                buf: list[str] = []
                for line in text.splitlines():
                    buf.append(line)
                    if line.rstrip().endswith((".", ":", "?")) and len(" ".join(buf)) > 120:
                        model.code([" ".join(buf)], [path])
                        passages += 1
                        buf = []
                if buf:
                    model.code([" ".join(buf)], [path])
                    passages += 1
    seconds = time.perf_counter() - start
    return {"pages": pages, "passages": passages, "seconds": seconds,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _big_child(path: str, out: str, model_dir: str | None) -> dict:
    """The 300-page PDF in one process (jobs=1): that process is the worker."""
    from pipeline.batch import run

    start = time.perf_counter()
    summary = run([path], out, model_dir, jobs=1, use_cache=False, progress=False)
    return {"pages": summary.pages, "seconds": time.perf_counter() - start,
            "failed": summary.failed,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _child(kind: str, argv: list[str], code: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, *argv], check=True,
                         capture_output=True, text=True, cwd=code, env=_env(code))
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--naive-docs", type=int, default=8)
    ap.add_argument("--model", help="model folder (default: models/default)")
    ap.add_argument("--work", type=Path,
                    default=Path(tempfile.gettempdir()) / "cspr-bench-batch")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args()
    if args.child == "naive":
        print(json.dumps(_naive_child(rest, args.model)))
        return
    if args.child == "big":
        print(json.dumps(_big_child(rest[0], rest[1], args.model)))
        return

    folder, big, corpus_pages = build_corpus(args.work, args.docs)
    pdfs = sorted(folder.glob("*.pdf"))
    code = snapshot(args.work)
    args.model = str(Path(args.model or ROOT / "models" / "default").resolve())
    model = ["--model", args.model]
    out = args.work / "out"
    shutil.rmtree(out, ignore_errors=True)
    print(f"corpus: {len(pdfs)} PDFs, {corpus_pages} pages; jobs {args.jobs}; "
          f"{os.cpu_count()} cores")

    load_before = os.getloadavg()[0]
    first, peaks, parent_peak, cpu_first = run_cli(["run", str(folder), "--out", str(out),
                                         "--jobs", str(args.jobs), *model], code)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["failed"] == 0, manifest["counts"]
    load_after = os.getloadavg()[0]
    rerun, _, _, _ = run_cli(["run", str(folder), "--out", str(out), "--jobs", str(args.jobs),
                           *model], code)
    manifest2 = json.loads((out / "manifest.json").read_text())
    naive = _child("naive", [*model, *map(str, pdfs[: args.naive_docs])], code)
    with tempfile.TemporaryDirectory() as tmp:
        big_run = _child("big", [*model, str(big), tmp], code)

    ours_pps = corpus_pages / first
    naive_pps = naive["pages"] / naive["seconds"]
    workers = sorted(peaks.values(), reverse=True)
    naive_scaled = corpus_pages / naive_pps
    t = manifest["timings"]
    print()
    print(f"ours   end to end : {first:7.1f} s  {ours_pps:6.1f} pages/s  "
          f"(compute {t['compute_seconds']:.1f}s, write {t['write_seconds']:.1f}s, "
          f"hash {t['discover_and_hash_seconds']:.1f}s)")
    print(f"naive  serial loop: {naive['seconds']:7.1f} s  {naive_pps:6.1f} pages/s  "
          f"on {naive['pages']} pages ({args.naive_docs} docs); scaled to the corpus "
          f"{naive_scaled:.0f} s")
    print(f"  CPU used by the run (all processes): {cpu_first:.0f} s = "
          f"{corpus_pages / cpu_first:.0f} pages per CPU-second; machine load average "
          f"{load_before:.1f} before, "
          f"{load_after:.1f} after (other work on the machine slows the wall-clock figure)")
    print(f"speed-up           : {ours_pps / naive_pps:6.1f}x   (target >= 10x, >= 150 pages/s)")
    print(f"re-run unchanged   : {rerun:7.1f} s = {100 * rerun / first:.1f}% of the first run "
          f"({manifest2['cache']['prediction_hits']} cache hits; target <= 10%)")
    print("peak memory        : workers " + ", ".join(f"{mb:.0f} MB" for mb in workers)
          + f"; parent {parent_peak:.0f} MB (target < 400 MB per worker)")
    print(f"300-page PDF       : {big_run['pages']} pages in {big_run['seconds']:.1f}s, "
          f"peak {big_run['peak_rss_mb']:.0f} MB in one process (jobs 1)")
    print(json.dumps({"pages": corpus_pages, "docs": len(pdfs), "jobs": args.jobs,
                      "ours_seconds": round(first, 2), "ours_pages_per_s": round(ours_pps, 1),
                      "ours_cpu_seconds": round(cpu_first, 1),
                      "load_avg_before_after": [round(load_before, 1), round(load_after, 1)],
                      "naive_pages_per_s": round(naive_pps, 1),
                      "speedup": round(ours_pps / naive_pps, 1),
                      "rerun_seconds": round(rerun, 2), "rerun_ratio": round(rerun / first, 3),
                      "worker_peak_mb": [round(w) for w in workers],
                      "parent_peak_mb": round(parent_peak),
                      "big_pdf_peak_mb": round(big_run["peak_rss_mb"])}))


if __name__ == "__main__":
    main()
