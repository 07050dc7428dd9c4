"""The ``cspr`` command: a thin shell over the library API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pipeline import __version__
from pipeline.records import LABELS

LABEL_HELP = ", ".join(LABELS)


def _cmd_run(args: argparse.Namespace) -> int:
    from pipeline.batch import run

    summary = run(args.inputs, args.out, model_dir=args.model)
    print(f"{summary.documents} documents coded, {summary.failed} failed, "
          f"{summary.passages} passages in {summary.seconds:.1f}s -> {summary.out_dir}")
    for label, n in summary.label_counts.items():
        print(f"  {label:<24}{n:>7}")
    if summary.failed:
        print(f"see {Path(args.out) / 'errors.jsonl'} for the failures", file=sys.stderr)
    return 1 if summary.failed else 0


def _cmd_classify(args: argparse.Namespace) -> int:
    from pipeline.classify import classify_file

    n = classify_file(args.passages, args.out, model_dir=args.model)
    print(f"{n} passages coded -> {args.out}")
    return 0


def _cmd_corpus(args: argparse.Namespace) -> int:
    from pipeline.corpus.build import build, make_splits
    from pipeline.corpus.check import check_sources, label_table
    from pipeline.corpus.sources import load_sources

    reviews = load_sources(args.sources)
    report = check_sources(reviews)
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for e in report.errors:
        print(f"error: {e}", file=sys.stderr)
    print(label_table(reviews, make_splits(reviews)))
    if not report.ok:
        print(f"{len(report.errors)} error(s) in {len(reviews)} sources", file=sys.stderr)
        return 1
    if args.action == "build":
        result = build(reviews, pdfs=not args.no_pdfs)
        print(f"wrote {result['passages']} passages from {result['reviews']} reviews; "
              f"{len(result['samples'])} sample PDFs")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cspr",
        description="Theme-code child safeguarding practice reviews. Labels: " + LABEL_HELP + ".",
    )
    parser.add_argument("--version", action="version", version=f"cspr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "run", help="code a folder of review PDFs",
        description="Extract, segment and code review PDFs. Writes passages.jsonl (one coded "
        "passage a line), documents.jsonl (one input file a line), errors.jsonl (inputs that "
        "could not be processed) and manifest.json (versions, model, counts, timings) into "
        "--out. Exits 1 when any input failed.")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="PDF files and/or folders (searched recursively for *.pdf)")
    p.add_argument("--out", required=True, metavar="DIR", help="run folder to write")
    p.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "classify", help="code passages already in JSONL",
        description="Code passages from a JSONL file with at least 'text' and 'doc_id' per "
        "line (one review's passages share a doc_id and come in reading order). Writes the "
        "input records in the same order with 'labels', 'scores' and 'evidence' added.")
    p.add_argument("passages", metavar="PASSAGES.jsonl")
    p.add_argument("--out", required=True, metavar="PREDICTIONS.jsonl")
    p.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser(
        "corpus", help="check or rebuild the labelled corpus",
        description="check: validate review sources (schema, labels, empty, duplicate and "
        "near-duplicate paragraphs) and print label counts per split; exits 1 on any error. "
        "build: check, then regenerate corpus/labelled/passages.jsonl, corpus/splits.json "
        "and the sample PDFs in corpus/samples/.")
    p.add_argument("action", choices=["check", "build"])
    p.add_argument("--sources", metavar="DIR", help="sources folder (default: corpus/sources)")
    p.add_argument("--no-pdfs", action="store_true", help="build: skip rendering sample PDFs")
    p.set_defaults(func=_cmd_corpus)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"cspr {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a clear one-line message beats a traceback for users
        if getattr(exc, "__module__", "").startswith("pipeline"):
            print(f"cspr {args.command}: error: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())


