"""Speed and peak memory of our extraction + segmentation against a naive pdfplumber loop.

    .venv/bin/python benchmarks/bench_extract.py [PDF ...] [--pages 300]

With no PDFs, renders the corpus reviews (reportlab, single column) and concatenates
them into one long PDF of about ``--pages`` pages, plus a 30-page cut of it to show
that our memory stays flat as documents grow. Each engine runs in its own
subprocess, so peak RSS (``ru_maxrss``) is that engine's alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _child(engine: str, paths: list[str]) -> dict:
    """Runs inside the subprocess: process every PDF once, report pages, seconds, peak RSS."""
    pages = 0
    timings = {"extract": 0.0, "layout+paragraphs": 0.0, "sentences": 0.0}
    start = time.perf_counter()
    if engine == "naive_pdfplumber":
        import pdfplumber

        for path in paths:
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:  # the usual loop: pages stay cached until the end
                    page.extract_text()
                    pages += 1
    else:
        import pipeline.segment as seg
        from pipeline.extract import extract
        from pipeline.nlp import blank_english, sentence_spans

        blank_english()  # load spaCy outside the timed region, as a batch run would once
        start = time.perf_counter()

        def timed_sentences(texts: list[str]) -> list[list[tuple[int, int]]]:
            t = time.perf_counter()
            out = sentence_spans(texts)
            timings["sentences"] += time.perf_counter() - t
            return out

        seg.sentence_spans = timed_sentences
        for path in paths:
            t0 = time.perf_counter()
            doc = extract(path)
            t1 = time.perf_counter()
            seg.segment(doc)
            timings["extract"] += t1 - t0
            timings["layout+paragraphs"] += time.perf_counter() - t1
            pages += len(doc.pages)
        timings["layout+paragraphs"] -= timings["sentences"]
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": engine, "pages": pages, "seconds": seconds, "pages_per_s": pages / seconds,
            "peak_rss_mb": peak_mb,
            "ms_per_page": {k: 1000 * v / max(pages, 1) for k, v in timings.items()}}


def run(engine: str, paths: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", engine, *paths], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_long_pdf(out_dir: Path, pages: int) -> tuple[Path, Path]:
    """A long PDF of concatenated rendered reviews, and a 30-page cut of it."""
    import pypdfium2 as pdfium

    from pipeline.corpus.render import render_pdf
    from pipeline.corpus.sources import load_sources

    long_pdf = pdfium.PdfDocument.new()
    for review in load_sources():
        if len(long_pdf) >= pages:
            break
        part = render_pdf(review, out_dir / f"{review.doc_id}.pdf", "single")
        src = pdfium.PdfDocument(str(part))
        long_pdf.import_pages(src, list(range(min(len(src), pages - len(long_pdf)))))
        src.close()
    long_path, short_path = out_dir / f"long-{len(long_pdf)}.pdf", out_dir / "short-30.pdf"
    long_pdf.save(str(long_path))
    short = pdfium.PdfDocument.new()
    short.import_pages(long_pdf, list(range(min(30, len(long_pdf)))))
    short.save(str(short_path))
    long_pdf.close()
    short.close()
    return long_path, short_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*")
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.pdfs)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.pdfs:
            paths, short = args.pdfs, None
        else:
            long_path, short_path = build_long_pdf(Path(tmp), args.pages)
            paths, short = [str(long_path)], [str(short_path)]
        ours = run("ours", paths)
        naive = run("naive_pdfplumber", paths)
        flat = run("ours", short) if short else None
    print(f"PDF pages: {ours['pages']}")
    for r in (ours, naive):
        print(f"{r['engine']:>17}: {r['pages_per_s']:8.1f} pages/s  "
              f"({1000 / r['pages_per_s']:.1f} ms/page)  peak RSS {r['peak_rss_mb']:.0f} MB")
    print("    ours ms/page by step: "
          + ", ".join(f"{k} {v:.2f}" for k, v in ours["ms_per_page"].items()))
    print(f"speed ratio ours/naive: {ours['pages_per_s'] / naive['pages_per_s']:.1f}x")
    if flat:
        print(f"ours peak RSS on {flat['pages']} pages: {flat['peak_rss_mb']:.0f} MB; "
              f"on {ours['pages']} pages: {ours['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
