"""The ``cspr`` command: a thin shell over the library API."""

from __future__ import annotations

import argparse
import json
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


def _split(passages: list, name: str | None) -> list:
    return [p for p in passages if name is None or p.meta.get("split") == name]


def _cmd_train(args: argparse.Namespace) -> int:
    from pipeline.formats import read_labelled
    from pipeline.train import CORPUS_PASSAGES, train_and_save

    seed = read_labelled(CORPUS_PASSAGES)[1]
    train, sources = [], []
    for path in args.data:
        fmt, passages = read_labelled(path)
        print(f"{path}: {len(passages)} labelled passages ({fmt})")
        train += passages
        sources.append(str(path))
    if not args.no_base:
        train = _split(seed, "train") + train
        sources.insert(0, "corpus/labelled/passages.jsonl [train split]")
    if not train:
        raise ValueError("no training data: give DATA files, or drop --no-base")
    test = _split(seed, "test") if args.test_split else []
    card = train_and_save(train, args.out, test=test, sources=sources, cv=not args.no_cv)
    from pipeline.evaluate import format_report

    for name, result in card["metrics"].items():
        print(format_report(result, f"\n{name}"))
    print(f"\nmodel written to {args.out} (model_id {card['model_id']})")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluate import format_report
    from pipeline.formats import read_labelled
    from pipeline.keywords import KeywordCoder
    from pipeline.store import load_model
    from pipeline.train import evaluate_on

    _fmt, gold = read_labelled(args.gold)
    model = KeywordCoder() if args.keyword else load_model(args.model)[0]
    result = evaluate_on(model, gold)
    if args.json:
        print(json.dumps({"model": model.model_id, "gold": str(args.gold), **result}, indent=2))
    else:
        print(format_report(result, f"{model.model_id} on {args.gold}"))
        print(f"calibration: expected calibration error {result['reliability']['ece']:.3f}")
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
        "train", help="train a model from labelled passages",
        description="Train a model and write MODEL_DIR (model.joblib + card.json with metrics, "
        "thresholds, data hash and artefact sha256). DATA files are codebook JSONL. By default "
        "the seed corpus's train split is added to DATA (--no-base: DATA alone). Prints grouped "
        "cross-validation metrics (folds by review) for the model and the keyword coder.")
    p.add_argument("data", nargs="*", metavar="DATA", help="labelled passage files")
    p.add_argument("--out", required=True, metavar="MODEL_DIR")
    p.add_argument("--no-base", action="store_true", help="do not add the seed corpus")
    p.add_argument("--test-split", action="store_true",
                   help="also score the seed corpus's held-out test split (reviews and house "
                   "styles never trained on) and record it in the card")
    p.add_argument("--no-cv", action="store_true", help="skip cross-validation (faster)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "evaluate", help="score a model against gold labels",
        description="Per-label precision, recall, F1 and Cohen's kappa (model vs gold), "
        "macro-F1 and calibration error, on a codebook JSONL file of gold passages.")
    p.add_argument("gold", metavar="GOLD.jsonl")
    p.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    p.add_argument("--keyword", action="store_true", help="score the keyword coder instead")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_evaluate)

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


