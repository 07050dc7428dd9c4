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


CHECK_HELP = ("list a label in a passage's 'check' when its score is within this distance "
              "of the label's threshold (default: the model's, 0.1 for the default model; its "
              "card says how many of the errors each band held: 0.2 about half)")


def _cmd_run(args: argparse.Namespace) -> int:
    from pipeline.batch import DEFAULT_TIMEOUT, display_path, resume_options, run

    given = {"inputs": args.inputs or None, "model_dir": args.model, "jobs": args.jobs,
             "cache_dir": args.cache, "use_cache": args.use_cache, "timeout": args.timeout,
             "backend": args.backend, "scheduler": args.scheduler,
             "check_margin": args.check_margin}
    defaults = {"use_cache": True, "timeout": DEFAULT_TIMEOUT, "backend": "loky"}
    if args.resume:  # what was not given again is taken from the interrupted run
        defaults = resume_options(args.out)
    options = {k: defaults.get(k) if v is None else v for k, v in given.items()}
    if not options["inputs"]:
        raise ValueError("give at least one INPUT (or --resume to continue a run in --out)")
    summary = run(options.pop("inputs"), args.out, resume=args.resume, **options)
    hits = sum(summary.cache_hits.values())
    print(f"{summary.documents} documents coded, {summary.failed} failed, "
          f"{summary.pages} pages, {summary.passages} passages in {summary.seconds:.1f}s "
          f"({hits} from cache) -> {display_path(summary.out_dir)}")
    for label, n in summary.label_counts.items():
        print(f"  {label:<24}{n:>7}")
    if summary.failed:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(summary.error_kinds.items()))
        print(f"failed: {kinds}; see {display_path(Path(args.out) / 'errors.jsonl')}",
              file=sys.stderr)
    return 1 if summary.failed else 0


def _cmd_classify(args: argparse.Namespace) -> int:
    from pipeline.classify import classify_file

    n = classify_file(args.passages, args.out, model_dir=args.model,
                      check_margin=args.check_margin)
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
    splits = make_splits(reviews)
    print(label_table(reviews, splits))
    if not report.ok:
        print(f"{len(report.errors)} error(s) in {len(reviews)} sources", file=sys.stderr)
        return 1
    if args.action == "stats":
        from pipeline.corpus.stats import datasheet

        print(datasheet(reviews, splits))
    if args.action == "build":
        result = build(reviews, pdfs=not args.no_pdfs)
        print(f"wrote {result['passages']} passages from {result['reviews']} reviews; "
              f"{len(result['samples'])} sample PDFs")
    return 0


def _split(passages: list, name: str | None) -> list:
    return [p for p in passages if name is None or p.meta.get("split") == name]


def _read_labelled_files(paths: Sequence[str], stream=None) -> tuple[list, list[str]]:
    """Passages from every file (format detected and named), plus their file of origin."""
    from pipeline.formats import load_labelled

    passages, origins = [], []
    for path in paths:
        loaded = load_labelled(path)
        skipped = "".join(f", {n} skipped ({why})" for why, n in loaded.skipped.items())
        print(f"{path}: {len(loaded.passages)} labelled passages ({loaded.format}){skipped}",
              file=stream or sys.stdout)
        for warning in loaded.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        passages += loaded.passages
        origins += [str(path)] * len(loaded.passages)
    return passages, origins


def _cmd_train(args: argparse.Namespace) -> int:
    from pipeline import store
    from pipeline.evaluate import format_report
    from pipeline.formats import duplicate_summary, read_labelled, resolve_duplicates
    from pipeline.train import (
        CORPUS_PASSAGES,
        format_comparison,
        review_order,
        set_default,
        train_and_save,
    )

    new, origins = _read_labelled_files(args.data)
    sources = [str(path) for path in args.data]
    seed = read_labelled(CORPUS_PASSAGES)[1] if not args.no_base or args.test_split else []
    if not args.no_base:
        base = _split(seed, "train")
        new, origins = base + new, ["seed corpus"] * len(base) + origins
        sources.insert(0, "corpus/labelled/passages.jsonl [train split]")
    train, kept_from, dups = resolve_duplicates(new, origins)
    if dups:
        print(duplicate_summary(dups))
    order = review_order(train)
    train, kept_from = [train[i] for i in order], [kept_from[i] for i in order]
    if not train:
        raise ValueError("no training data: give DATA files, or drop --no-base")
    new_mask = [origin != "seed corpus" for origin in kept_from]
    test = _split(seed, "test") if args.test_split else []
    baseline = None
    if not args.no_cv:
        compare_dir = Path(args.compare_to) if args.compare_to else store.DEFAULT_MODEL_DIR
        try:
            baseline = store.load_model(compare_dir)
            print(f"comparing with {compare_dir} (model_id {baseline[1].get('model_id')})")
        except (store.ModelIntegrityError, FileNotFoundError) as exc:
            if args.compare_to:
                raise
            print(f"warning: no comparison with the current default: {exc}", file=sys.stderr)
    card = train_and_save(train, args.out, test=test, sources=sources, cv=not args.no_cv,
                          baseline=baseline, new_mask=new_mask)
    for name, result in card["metrics"].items():
        if name != "comparison":
            print(format_report(result, f"\n{name}"))
    if "comparison" in card["metrics"]:
        print("\n" + format_comparison(card["metrics"]["comparison"]))
    print(f"\nmodel written to {args.out} (model_id {card['model_id']})")
    if Path(args.out).resolve() == store.DEFAULT_MODEL_DIR.resolve():
        print("this folder is the default model: cspr run and classify now use it")
    elif args.set_default:
        set_default(args.out, store.DEFAULT_MODEL_DIR)
        print(f"{args.out} is now the default model ({store.DEFAULT_MODEL_DIR})")
    else:
        print("the default model is unchanged (--set-default replaces it)")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from pipeline.evaluate import format_report
    from pipeline.formats import duplicate_summary, resolve_duplicates
    from pipeline.keywords import KeywordCoder
    from pipeline.store import load_model
    from pipeline.train import evaluate_on, review_order

    # with --json, stdout carries the JSON alone
    gold, origins = _read_labelled_files([args.gold], sys.stderr if args.json else None)
    gold, _kept_from, dups = resolve_duplicates(gold, origins)
    gold = [gold[i] for i in review_order(gold)]
    if dups:
        print(duplicate_summary(dups), file=sys.stderr)
    model = KeywordCoder() if args.keyword else load_model(args.model)[0]
    result = evaluate_on(model, gold)
    if args.json:
        print(json.dumps({"model": model.model_id, "gold": str(args.gold), **result},
                         indent=2))
    else:
        print(format_report(result, f"{model.model_id} on {args.gold}"))
        print(f"calibration: expected calibration error {result['reliability']['ece']:.3f}")
    return 0


def _cmd_agreement(args: argparse.Namespace) -> int:
    from pipeline.agreement import compare_files, format_agreement

    result = compare_files(args.a, args.b, match=args.match)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_agreement(result))
    return 0


def _cmd_suggest(args: argparse.Namespace) -> int:
    from pipeline.suggest import suggest_from_run

    result = suggest_from_run(args.run_dir, args.out, n=args.n, fmt=args.format,
                              model_dir=args.model, per_review=args.per_review,
                              exclude=args.exclude or ())
    print(result.summary())
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from pipeline.report import write_report

    path = write_report(args.run_dir, args.out, include_uncoded=args.all)
    print(f"report written to {path} (open it in a web browser; it needs no network)")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from pipeline.export import export

    path = export(args.run_dir, args.format, args.out)
    print(f"{args.format} export written to {path}")
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
        "--out. Documents run in parallel; each finished document is cached by content hash, "
        "so a re-run over unchanged files is fast and an interrupted run loses nothing. "
        "Exits 0 when every input was coded, 1 when any input failed, 2 on a usage or "
        "model error.")
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="PDF files and/or folders (searched recursively for *.pdf)")
    p.add_argument("--out", required=True, metavar="DIR", help="run folder to write")
    p.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    p.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="parallel worker processes (default: all cores; 1: no workers)")
    p.add_argument("--cache", metavar="CACHE_DIR",
                   help="results cache, reusable across runs (default: DIR/.cache)")
    p.add_argument("--no-cache", dest="use_cache", action="store_const", const=False,
                   help="keep no cache between runs (an interrupted run still resumes)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run into DIR: INPUTs and options not given "
                   "again are taken from it, finished documents are not redone")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="per-document time limit; a document over it is reported as kind "
                   "'timeout' and the run goes on (default: 120; 0: none)")
    p.add_argument("--backend", choices=["loky", "dask"],
                   help="loky: local processes (default); dask: an existing dask.distributed "
                   "cluster (needs --scheduler and the inputs on a filesystem it shares)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="dask scheduler address for --backend dask, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--check-margin", type=float, metavar="M", help=CHECK_HELP)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "classify", help="code passages already in JSONL",
        description="Code passages from a JSONL file with at least 'text' and 'doc_id' per "
        "line (one review's passages share a doc_id and come in reading order). Writes the "
        "input records in the same order with 'labels', 'scores' and 'evidence' added.")
    p.add_argument("passages", metavar="PASSAGES.jsonl")
    p.add_argument("--out", required=True, metavar="PREDICTIONS.jsonl")
    p.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    p.add_argument("--check-margin", type=float, metavar="M", help=CHECK_HELP)
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser(
        "train", help="train a model from labelled passages",
        description="Train a model and write MODEL_DIR (model.joblib + card.json with metrics, "
        "thresholds, data hash and artefact sha256). DATA files may be codebook JSONL, Prodigy "
        "or doccano JSONL exports, Label Studio JSON exports or CSV (text, labels separated by "
        "';', optional doc_id); the format is detected and printed. A label outside the "
        "codebook is refused. Duplicate texts: the later labelling wins (reported). By default "
        "the seed corpus's train split is added to DATA (--no-base: DATA alone). Prints "
        "grouped cross-validation metrics (folds by review) and compares them, fold by fold, "
        "with the current default model (or --compare-to). Never replaces the default model "
        "unless --set-default is given.")
    p.add_argument("data", nargs="*", metavar="DATA", help="labelled passage files")
    p.add_argument("--out", required=True, metavar="MODEL_DIR")
    p.add_argument("--no-base", action="store_true", help="do not add the seed corpus")
    p.add_argument("--test-split", action="store_true",
                   help="also score the seed corpus's held-out test split (reviews and house "
                   "styles never trained on) and record it in the card")
    p.add_argument("--no-cv", action="store_true",
                   help="skip cross-validation and the comparison (faster)")
    p.add_argument("--compare-to", metavar="DIR",
                   help="model folder to compare with (default: models/default)")
    p.add_argument("--set-default", action="store_true",
                   help="after training, replace models/default with MODEL_DIR (atomically)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "evaluate", help="score a model against gold labels",
        description="Per-label precision, recall, F1 and Cohen's kappa (model vs gold), "
        "macro-F1 and calibration error, on a file of gold passages in any format train "
        "accepts.")
    p.add_argument("gold", metavar="GOLD")
    p.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    p.add_argument("--keyword", action="store_true", help="score the keyword coder instead")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser(
        "agreement", help="inter-coder agreement between two labellings",
        description="Per-label agreement between two human labellings of the same passages, "
        "as NVivo's coding comparison reports it: percent agreement, Cohen's kappa and the "
        "count of each disagreement direction. Records are matched by 'id' when both files "
        "have one, else by doc_id + text, else by text; unmatched records are reported. "
        "Files may be in any format train accepts.")
    p.add_argument("a", metavar="A", help="first coder's labelled file")
    p.add_argument("b", metavar="B", help="second coder's labelled file")
    p.add_argument("--match", choices=["auto", "id", "doc_text", "text"], default="auto",
                   help="how to pair records (default: auto, as described above)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_cmd_agreement)

    p = sub.add_parser(
        "suggest", help="pick the passages to label next",
        description="Read RUN_DIR/passages.jsonl (from cspr run) and pick the passages whose "
        "labels the model is least sure of (score closest to the label's threshold from the "
        "model card), spread across reviews and without near-duplicates (TF-IDF cosine > "
        "0.8). Writes JSONL (text, doc_id, meta with passage_id and the model's suggestion) "
        "that Prodigy, doccano and Label Studio import as plain text tasks, or CSV. Once "
        "labelled, the file (or the tool's export) loads into cspr train.")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--n", type=int, default=50, help="how many passages (default 50)")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--format", choices=["jsonl", "csv"], default=None,
                   help="output format (default: from --out's extension, else jsonl)")
    p.add_argument("--model", metavar="DIR",
                   help="model folder whose thresholds to use (default: the run's model, "
                   "found by its artefact hash among models/)")
    p.add_argument("--per-review", type=int, default=None, metavar="K",
                   help="at most K passages from one review (default: spread evenly)")
    p.add_argument("--exclude", nargs="+", metavar="LABELLED",
                   help="labelled files whose passages are already done; they are skipped")
    p.set_defaults(func=_cmd_suggest)

    p = sub.add_parser(
        "corpus", help="check or rebuild the labelled corpus",
        description="check: validate review sources (schema, labels, empty, duplicate and "
        "near-duplicate paragraphs) and print label counts per split; exits 1 on any error. "
        "build: check, then regenerate corpus/labelled/passages.jsonl, corpus/splits.json "
        "and the sample PDFs in corpus/samples/. stats: check, then print the datasheet's "
        "tables (corpus/README.md) as markdown.")
    p.add_argument("action", choices=["check", "build", "stats"])
    p.add_argument("--sources", metavar="DIR", help="sources folder (default: corpus/sources)")
    p.add_argument("--no-pdfs", action="store_true", help="build: skip rendering sample PDFs")
    p.set_defaults(func=_cmd_corpus)
    p = sub.add_parser(
        "report", help="write an HTML page of a run's coded passages",
        description="Read RUN_DIR (passages.jsonl, documents.jsonl, errors.jsonl, "
        "manifest.json from `cspr run`) and write one self-contained HTML page, by default "
        "RUN_DIR/report.html: each review with its coded passages, labels as coloured tags, "
        "evidence words marked, page and paragraph numbers, filters by label and a 'check me' "
        "filter for passages whose score is near a threshold. Inline CSS and JS: it opens "
        "offline. Filters can be preset in the URL, e.g. report.html#labels="
        "missed_opportunity&check=1.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a `cspr run` output folder")
    p.add_argument("--out", metavar="FILE.html", help="where to write (default: "
                   "RUN_DIR/report.html)")
    p.add_argument("--all", action="store_true",
                   help="include uncoded passages too (default: coded or 'check me' ones)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "export", help="export a run for QDA tools (REFI-QDA .qdpx) or spreadsheets (.csv)",
        description="Read RUN_DIR (a `cspr run` output folder) and write --out. "
        "qdpx: a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or QualCoder: the four labels "
        "as codes with the codebook's definitions, each review as a text source (its "
        "passages joined by blank lines) and each coded passage as a coding by the user "
        "'cspr', with scores and evidence in the selection's description. csv: one row per "
        "passage (UTF-8 with BOM; 0/1 and score columns per label; cells that a spreadsheet "
        "would run as a formula are prefixed with ').")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a `cspr run` output folder")
    p.add_argument("--format", required=True, choices=["qdpx", "csv"])
    p.add_argument("--out", required=True, metavar="FILE", help="file to write (.qdpx or .csv)")
    p.set_defaults(func=_cmd_export)

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


