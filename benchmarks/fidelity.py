"""Fidelity of extraction + segmentation per layout on rendered corpus reviews.

    .venv/bin/python benchmarks/fidelity.py [--sources DIR] [--layouts wp single two_column]
                                            [--pdf-dir DIR] [--show N]

Renders each review source in each layout (``wp``: .fodt through LibreOffice, with
real footnotes, header and footer; ``single`` and ``two_column``: reportlab), runs
``extract`` + ``segment`` and reports, per layout: paragraphs, share recovered intact,
furniture leaks and para_no accuracy (see ``pipeline.corpus.fidelity``). ``--pdf-dir``
keeps the PDFs and reuses any already there (delete them after sources change).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.corpus.fidelity import Fidelity, measure  # noqa: E402
from pipeline.corpus.sources import load_sources  # noqa: E402

LAYOUTS = ("wp", "single", "two_column")


def render(review, layout: str, out: Path) -> Path:
    if out.exists():
        return out
    if layout == "wp":
        from pipeline.corpus.fodt import render_fodt_pdf

        return render_fodt_pdf(review, out)
    from pipeline.corpus.render import render_pdf

    return render_pdf(review, out, layout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", default=None, help="folder of review sources (default corpus)")
    ap.add_argument("--layouts", nargs="*", default=list(LAYOUTS), choices=LAYOUTS)
    ap.add_argument("--pdf-dir", default=None)
    ap.add_argument("--show", type=int, default=10, help="misses to print per layout")
    args = ap.parse_args()
    reviews = load_sources(args.sources)
    layouts = [x for x in args.layouts if x != "wp" or shutil.which("soffice")]
    if len(layouts) < len(args.layouts):
        print("LibreOffice not found: skipping the wp layout", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        pdf_dir = Path(args.pdf_dir or tmp)
        print(f"{'layout':<11} {'docs':>4} {'paras':>6} {'intact':>7} {'leaks':>6} {'para_no':>8}")
        for layout in layouts:
            total, misses = Fidelity(), []
            for review in reviews:
                pdf = render(review, layout, pdf_dir / f"{review.doc_id}-{layout}.pdf")
                fid, miss = measure(review, pdf)
                total.add(fid)
                misses += [f"{review.doc_id}: {m}" for m in miss]
            print(f"{layout:<11} {len(reviews):>4} {total.paragraphs:>6} "
                  f"{100 * total.intact_share:>6.1f}% {total.furniture_leaks:>6} "
                  f"{100 * total.para_no_accuracy:>7.1f}%")
            for m in misses[: args.show]:
                print(f"    {m}")


if __name__ == "__main__":
    main()
