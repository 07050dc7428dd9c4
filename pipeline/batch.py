"""A run over input PDFs at corpus scale: discovery, cache, parallelism, resume, limits.

How a run goes, and why:

1. Discover PDFs (following folder links, reporting link loops and unreadable
   entries as errors rather than stopping).
2. Hash every file in this process. The sha256 names the work: the same PDF under
   two names is processed once, and a file whose results are cached is not sent to
   a worker at all, which is what makes a re-run over an unchanged folder take
   seconds.
3. Send the rest to joblib workers (loky processes by default, or an existing
   dask.distributed cluster), one task per document, largest first so a long review
   does not start last. Each worker loads the model once. spaCy's own ``n_process``
   was slower than one process here, so parallelism is per document. Documents whose
   extraction is cached (a re-run with a new model) go in groups, one model call each.
4. Save each document's result in the cache the moment it arrives, atomically.
   That is also what ``--resume`` relies on: a killed run loses at most the
   documents in flight.
5. Assemble passages.jsonl, documents.jsonl and errors.jsonl in input order by
   streaming entries back from the cache (memory stays flat at corpus scale), each
   written to a temporary file and renamed into place; manifest.json last.

One bad file never stops a batch: every failure becomes a record with a ``kind``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline import __version__
from pipeline.cache import (
    ResultCache,
    classifier_fingerprint,
    dumps_safe,
    extract_namespace,
    extractor_fingerprint,
    predict_namespace,
)
from pipeline.classify import recheck, valid_margin
from pipeline.context import review_context, review_contexts
from pipeline.discover import discover_entries, display_path, make_doc_id, path_error
from pipeline.extract import ExtractionError, extract
from pipeline.io import (
    atomic_open,
    atomic_write_bytes,
    read_json,
    sha256_file,
    write_json,
    write_jsonl,
)
from pipeline.lexicon import scan_all
from pipeline.limits import DocumentTimeout, time_limit
from pipeline.records import LABELS, SCHEMA_VERSION, RunError
from pipeline.segment import segment
from pipeline.store import (
    ARTEFACT,
    DEFAULT_MODEL_DIR,
    library_versions,
    load_model,
    verify_model,
)

DEFAULT_TIMEOUT = 120.0
BACKENDS = ("loky", "dask")
STATE_FILE = ".run.json"
# Failures that depend on the moment, not on the file: never cached, retried on re-run.
TRANSIENT_KINDS = frozenset({"timeout", "internal_error", "unreadable_path", "worker_died"})
CLASSIFY_BATCH = 4000  # passages per model call for documents extracted already


# ---------------------------------------------------------------- paths
# ---------------------------------------------------------------- worker side
@dataclass(frozen=True, slots=True)
class Task:
    """One unique file's work. ``extraction`` is set when only classification is needed."""

    sha256: str
    path: str
    doc_id: str
    model_dir: str
    model_sha: str
    timeout: float | None
    extraction: dict[str, Any] | None = None


@dataclass(slots=True)
class Outcome:
    sha256: str
    extraction: dict[str, Any] | None = None  # new entry to cache (passages or error)
    prediction: dict[str, Any] | None = None  # new entry to cache
    error: tuple[str, str] | None = None  # (kind, message), transient
    pages: int = 0
    seconds: float = 0.0


_MODELS: dict[tuple[str, str], Any] = {}


def _worker_model(model_dir: str, model_sha: str) -> Any:
    """The model, loaded (and hash-checked) once per worker process, not per document."""
    key = (model_dir, model_sha)
    if key not in _MODELS:
        model, card = load_model(model_dir)
        if card["artefacts"][ARTEFACT] != model_sha:
            raise RuntimeError(f"{model_dir}: the model changed during the run")
        _MODELS[key] = model
    return _MODELS[key]


def _clean(text: str | None) -> str | None:
    """Replace lone surrogates (broken PDF text) so the UTF-8 writer cannot fail later."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _extract_entry(task: Task) -> dict[str, Any]:
    doc = extract(task.path)
    if doc.sha256 != task.sha256:
        raise ExtractionError("unreadable_path", "the file changed while the run was reading it")
    doc.doc_id = task.doc_id
    passages = []
    for p in segment(doc):
        d = p.to_dict()
        for key in ("text", "section", "para_no"):
            d[key] = _clean(d[key])
        passages.append(d)
    return {"doc_id": task.doc_id, "title": _clean(doc.title), "pages": len(doc.pages),
            "pages_without_text": list(doc.pages_without_text), "engine": doc.engine,
            "passages": passages}


def process_task(task: Task) -> Outcome:
    """Extract/segment (unless cached), then classify one document; never raises.

    Runs in a worker. Returns entries for the parent to cache; the parent, not the
    worker, writes them, so a remote (dask) worker needs no access to the cache.
    """
    start = time.perf_counter()
    out = Outcome(task.sha256)
    extraction = task.extraction
    try:
        model = _worker_model(task.model_dir, task.model_sha)
        with time_limit(task.timeout):
            if extraction is None:
                try:
                    extraction = _extract_entry(task)
                except ExtractionError as exc:
                    if exc.kind in TRANSIENT_KINDS:
                        out.error = (exc.kind, exc.message)
                    else:
                        out.extraction = {"error": {"kind": exc.kind, "message": exc.message}}
                    return out
                out.extraction = extraction
            out.pages = extraction["pages"]
            out.prediction = classify_extractions(model, [extraction])[0]
    except DocumentTimeout:
        limit = f"{task.timeout:g}"
        out.error = ("timeout", f"stopped after the per-document limit of {limit}s "
                                "(--timeout); the rest of the run went on")
    except Exception as exc:  # one bad file must never stop the batch
        out.error = ("internal_error", f"{type(exc).__name__}: {exc}")
    finally:
        out.seconds = time.perf_counter() - start
    return out


def classify_extractions(model: Any, extractions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each extracted document's context and passage predictions, all from one model call.

    A call has fixed costs that one review's few hundred passages do not amortise (in
    ``benchmarks/bench_classify.py``, one review per call codes about half as many
    passages a second as a whole batch), so already-extracted documents are coded together.
    """
    texts, doc_ids = [], []
    for extraction in extractions:
        texts += [p["text"] for p in extraction["passages"]]
        doc_ids += [extraction["doc_id"]] * len(extraction["passages"])
    scans = scan_all(texts)
    contexts = review_contexts(texts, doc_ids, scans,
                               {e["doc_id"]: e["title"] for e in extractions})
    preds = (model.code(texts, doc_ids, [contexts[d] for d in doc_ids], scans=scans)
             if texts else [])
    out, start = [], 0
    for extraction in extractions:
        end = start + len(extraction["passages"])
        context = contexts.get(extraction["doc_id"]) or review_context([], extraction["title"])
        out.append({"context": context.to_dict(),
                    "predictions": [p.to_dict() for p in preds[start:end]]})
        start = end
    return out


def process_extracted(tasks: list[Task]) -> list[Outcome]:
    """Classify several already-extracted documents in one call; never raises.

    On any failure each document is redone on its own, so a bad one is named, not its batch.
    """
    start = time.perf_counter()
    try:
        model = _worker_model(tasks[0].model_dir, tasks[0].model_sha)
        predictions = classify_extractions(model, [t.extraction for t in tasks])
    except Exception:
        return [process_task(t) for t in tasks]
    seconds = (time.perf_counter() - start) / len(tasks)
    return [Outcome(t.sha256, prediction=p, pages=t.extraction["pages"], seconds=seconds)
            for t, p in zip(tasks, predictions, strict=True)]


def _work_units(tasks: list[Task]) -> list[tuple[Callable[[Any], Any], Any]]:
    """Documents to extract one by one (each under its time limit); those extracted already
    (a re-run with another model) in groups of about ``CLASSIFY_BATCH`` passages."""
    units: list[tuple[Callable[[Any], Any], Any]] = []
    group: list[Task] = []
    size = 0
    for task in tasks:
        if task.extraction is None:
            units.append((process_task, task))
            continue
        group.append(task)
        size += len(task.extraction["passages"])
        if size >= CLASSIFY_BATCH:
            units.append((process_extracted, group))
            group, size = [], 0
    if group:
        units.append((process_extracted, group))
    return units


def _outcomes(result: Outcome | list[Outcome]) -> list[Outcome]:
    return result if isinstance(result, list) else [result]


# ---------------------------------------------------------------- parent side
@dataclass
class RunSummary:
    out_dir: Path
    documents: int = 0
    failed: int = 0
    passages: int = 0
    pages: int = 0
    label_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cache_hits: dict[str, int] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)


def _progress(total: int, enabled: bool | None) -> Any:
    """A tqdm bar on an interactive stderr; silent in CI, pipes and logs."""
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    return tqdm(total=total, unit="doc", disable=not enabled, desc="cspr run",
                dynamic_ncols=True, leave=False)


@contextmanager
def _backend(backend: str, scheduler: str | None, jobs: int) -> Iterator[int]:
    """joblib configured for local processes or an existing dask.distributed cluster."""
    import joblib

    if backend == "dask":
        if not scheduler:
            raise ValueError("--backend dask needs --scheduler ADDRESS (e.g. tcp://host:8786)")
        try:
            from distributed import Client
        except ImportError as exc:
            raise ValueError("--backend dask needs dask.distributed: "
                             "pip install 'cspr[dask]'") from exc
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise ValueError(f"cannot reach the dask scheduler at {scheduler}: {exc}") from exc
        try:
            with joblib.parallel_config(backend="dask"):
                yield -1
        finally:
            client.close()
        return
    if backend != "loky":
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    with joblib.parallel_config(backend="loky"):
        yield jobs


def _run_tasks(tasks: list[Task], backend: str, scheduler: str | None, jobs: int,
               on_result: Callable[[Outcome], None]) -> None:
    """Run tasks in parallel, handing each outcome over as soon as it is done."""
    if not tasks:
        return
    units = _work_units(tasks)
    if jobs == 1 and backend == "loky":
        for work, arg in units:
            for outcome in _outcomes(work(arg)):
                on_result(outcome)
        return
    from joblib import Parallel, delayed

    pending = {t.sha256: t for t in tasks}

    def handle(outcome: Outcome) -> None:
        pending.pop(outcome.sha256, None)
        on_result(outcome)

    with _backend(backend, scheduler, jobs) as n_jobs:
        try:
            parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered", batch_size=1)
            for result in parallel(delayed(work)(arg) for work, arg in units):
                for outcome in _outcomes(result):
                    handle(outcome)
            return
        except Exception as exc:  # a worker died (segfault, OOM kill); find the culprit
            if backend != "loky" or "terminated" not in f"{type(exc).__name__} {exc}".lower():
                raise
    _isolate(list(pending.values()), handle)


def _isolate(tasks: list[Task], handle: Callable[[Outcome], None]) -> None:
    """After a worker died, run each remaining document in a fresh one-process pool.

    Slower, but names the file that kills its process and keeps the rest of the run.
    """
    from joblib.externals.loky import get_reusable_executor

    for task in tasks:
        executor = get_reusable_executor(max_workers=1)
        try:
            handle(executor.submit(process_task, task).result())
        except Exception as exc:
            handle(Outcome(task.sha256, error=(
                "worker_died", f"the worker process died reading this file "
                               f"({type(exc).__name__}); a crash in the PDF library?")))


def _relabel(passage: dict[str, Any], old_id: str, new_id: str, source: str) -> dict[str, Any]:
    """A cached passage as it belongs to this path (same content, another name)."""
    if old_id != new_id:
        passage["doc_id"] = new_id
        pid = passage.get("passage_id") or ""
        if pid.startswith(old_id):
            passage["passage_id"] = new_id + pid[len(old_id):]
    passage["source"] = source
    return passage


def _hash_all(entries: list[Path | RunError]) -> dict[Path, str]:
    """sha256 of every path; a file that cannot be read becomes an error entry in place."""
    shas: dict[Path, str] = {}
    for i, entry in enumerate(entries):
        if isinstance(entry, Path):
            try:
                shas[entry] = sha256_file(entry)
            except OSError as exc:
                entries[i] = path_error(entry, exc)
    return shas


def _write_state(out: Path, state: dict[str, Any]) -> None:
    atomic_write_bytes(out / STATE_FILE, dumps_safe(state), fsync=True)


def read_state(out_dir: str | Path) -> dict[str, Any]:
    """The options of the last run into ``out_dir`` (what ``--resume`` repeats)."""
    path = Path(out_dir) / STATE_FILE
    if not path.is_file():
        raise ValueError(f"nothing to resume: {display_path(path)} not found "
                         "(was a run started into this folder?)")
    return read_json(path)


def run(inputs: Iterable[str | Path], out_dir: str | Path,
        model_dir: str | Path | None = None, *, jobs: int | None = None,
        cache_dir: str | Path | None = None, use_cache: bool = True, resume: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT, backend: str = "loky",
        scheduler: str | None = None, progress: bool | None = None,
        check_margin: float | None = None) -> RunSummary:
    """Code every PDF under ``inputs`` into ``out_dir``; see the module docstring.

    ``use_cache=False`` keeps per-document results only in ``out_dir/.parts`` for
    resuming and removes them when the run completes. ``resume=True`` keeps those
    parts; with the cache on, finished documents are reused either way.
    ``check_margin`` sets how near a threshold a score must be to be listed in a
    passage's ``check`` (default: the model's own); it is applied to the recorded scores
    as the passages are written, so cached codings serve any margin.
    """
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inputs = [os.fspath(i) for i in inputs]
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    jobs = jobs or os.cpu_count() or 1
    if jobs < 0:
        jobs = max(1, (os.cpu_count() or 1) + 1 + jobs)
    model_dir = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
    card = verify_model(model_dir)
    model_sha = card["artefacts"][ARTEFACT]
    model_margin = (card.get("params") or {}).get("check_margin")
    margin = model_margin if check_margin is None else valid_margin(check_margin)
    thresholds = card.get("thresholds") or {}
    recheck_needed = margin != model_margin and bool(thresholds)
    if use_cache:
        cache_root = Path(cache_dir) if cache_dir else out / ".cache"
    else:
        cache_root = out / ".parts"
        if not resume:
            shutil.rmtree(cache_root, ignore_errors=True)
    cache = ResultCache(cache_root)
    _write_state(out, {"inputs": inputs, "model_dir": str(model_dir), "jobs": jobs,
                       "cache_dir": str(cache_root) if use_cache else None,
                       "use_cache": use_cache, "timeout": timeout, "backend": backend,
                       "scheduler": scheduler, "check_margin": check_margin,
                       "complete": False})

    efp, cfp = extractor_fingerprint(), classifier_fingerprint()
    ns_extract, ns_predict = extract_namespace(efp), predict_namespace(efp, cfp, model_sha)

    t0 = time.perf_counter()
    entries = discover_entries(inputs)
    shas = _hash_all(entries)
    t_discover = time.perf_counter() - t0

    # One task per unique content not already cached, largest files first.
    first_path: dict[str, Path] = {}
    for path, sha in shas.items():
        first_path.setdefault(sha, path)
    hits = Counter()
    tasks: list[Task] = []
    done: set[str] = set()
    for sha, path in first_path.items():
        if cache.has(ns_predict, sha):
            hits["prediction"] += 1
            done.add(sha)
            continue
        extraction = cache.get(ns_extract, sha)
        if extraction is not None and "error" in extraction:
            hits["extraction"] += 1
            done.add(sha)
            continue
        if extraction is not None:
            hits["extraction"] += 1
        tasks.append(Task(sha, os.fspath(path), make_doc_id(path, sha), str(model_dir),
                          model_sha, timeout, extraction))
    tasks.sort(key=lambda t: -_size(t.path))

    transient: dict[str, tuple[str, str]] = {}
    computed_pages = 0
    by_sha = {t.sha256: t for t in tasks}
    model_id = card.get("model_id", model_dir.name)
    bar = _progress(len(first_path), progress)
    bar.update(len(done))

    def on_result(outcome: Outcome) -> None:
        """Cache a finished document at once, in the form the output files need."""
        nonlocal computed_pages
        task = by_sha[outcome.sha256]
        if outcome.extraction is not None:
            cache.put(ns_extract, outcome.sha256, outcome.extraction)
        extraction = outcome.extraction or task.extraction
        if outcome.prediction is not None and extraction is not None:
            meta, blob = _render(extraction, outcome.prediction, task.doc_id,
                                 display_path(task.path), model_id)
            cache.put_records(ns_predict, outcome.sha256, meta, blob)
        if outcome.error is not None:
            transient[outcome.sha256] = outcome.error
        computed_pages += outcome.pages
        bar.update(1)
        bar.set_postfix(pages=computed_pages, refresh=False)

    t0 = time.perf_counter()
    try:
        _run_tasks(tasks, backend, scheduler, jobs, on_result)
    finally:
        bar.close()
    t_compute = time.perf_counter() - t0

    t0 = time.perf_counter()
    summary = RunSummary(out, cache_hits=dict(hits))
    documents: list[dict[str, Any]] = []
    label_totals: Counter[str] = Counter()
    seen: dict[str, str] = {}  # sha -> doc_id of its first path

    errors: list[RunError] = []

    def redo(path: Path, sha: str, doc_id: str) -> dict[str, Any] | None:
        """A damaged or vanished cache entry: compute it here rather than lose it."""
        task = Task(sha, os.fspath(path), doc_id, str(model_dir), model_sha, timeout, None)
        by_sha[sha] = task
        on_result(process_task(task))
        return cache.get(ns_predict, sha)

    def write_passages(fh: IO[bytes]) -> None:
        for path in entries:
            if isinstance(path, RunError):
                errors.append(path)
                name = os.fsencode(path.source)
                doc_id = make_doc_id(Path(os.fsdecode(name)), hashlib.sha256(name).hexdigest())
                documents.append({"schema_version": SCHEMA_VERSION, "doc_id": doc_id,
                                  "source": path.source, "sha256": None, "duplicate_of": None,
                                  "title": None, "pages": None, "passages": 0,
                                  "status": path.kind, "label_counts": {}})
                continue
            sha = shas[path]
            doc_id, source = make_doc_id(path, sha), display_path(path)
            base = {"schema_version": SCHEMA_VERSION, "doc_id": doc_id, "source": source,
                    "sha256": sha, "duplicate_of": seen.get(sha)}
            seen.setdefault(sha, doc_id)
            meta = blob = None
            if sha not in transient:
                meta = cache.get(ns_predict, sha)
                if meta is None and (cache.get(ns_extract, sha) or {}).get("error") is None:
                    meta = redo(path, sha, doc_id)
                if meta is not None:
                    blob = cache.records(ns_predict, sha, meta)
                    if blob is None and sha not in transient:
                        meta = redo(path, sha, doc_id)
                        blob = cache.records(ns_predict, sha, meta) if meta else None
            if blob is None or meta is None:
                kind, message = transient.get(sha) or _cached_error(cache.get(ns_extract, sha))
                errors.append(RunError(source, kind, message))
                documents.append({**base, "title": None, "pages": None, "passages": 0,
                                  "status": kind, "label_counts": {}})
                continue
            relabel = (meta["doc_id"], meta["source"], meta["model_id"]) != (doc_id, source,
                                                                              model_id)
            if relabel or recheck_needed:  # rewrite the cached records in one pass
                records = map(json.loads, blob.splitlines())
                if relabel:
                    records = ({**_relabel(rec, meta["doc_id"], doc_id, source),
                                "model": model_id} for rec in records)
                if recheck_needed:
                    records = (recheck(rec, thresholds, margin) for rec in records)
                blob = b"".join(map(_dumps_line, records))
            fh.write(blob)
            summary.passages += meta["passages"]
            summary.pages += meta["pages"]
            label_totals.update(meta["label_counts"])
            documents.append({**base, "title": meta["title"], "pages": meta["pages"],
                              "passages": meta["passages"], "status": "ok",
                              "label_counts": meta["label_counts"],
                              "pages_without_text": meta["pages_without_text"],
                              **meta["context"]})

    with atomic_open(out / "passages.jsonl", "wb") as fh:
        write_passages(fh)
    write_jsonl(out / "documents.jsonl", documents)
    write_jsonl(out / "errors.jsonl", [e.to_dict() for e in errors])
    t_write = time.perf_counter() - t0

    summary.documents = sum(d["status"] == "ok" for d in documents)
    summary.failed = len(errors)
    summary.error_kinds = dict(Counter(e.kind for e in errors))
    summary.label_counts = {lab: label_totals.get(lab, 0) for lab in LABELS}
    summary.seconds = time.perf_counter() - start
    write_json(out / "manifest.json", {
        "schema_version": SCHEMA_VERSION,
        "cspr_version": __version__,
        "versions": library_versions(),
        "model": {"model_id": card.get("model_id"), "sha256": card["artefacts"],
                  "dir": display_path(model_dir), "thresholds": card.get("thresholds"),
                  "check_margin": margin},
        "inputs": [display_path(i) for i in inputs],
        "counts": {"documents": summary.documents, "failed": summary.failed,
                   "unique_files": len(first_path), "pages": summary.pages,
                   "passages": summary.passages, "labels": summary.label_counts,
                   "errors_by_kind": summary.error_kinds},
        "run": {"jobs": jobs if backend == "loky" else None, "backend": backend,
                "scheduler": scheduler, "timeout_seconds": timeout, "resumed": resume,
                "cache_dir": display_path(cache_root) if use_cache else None,
                "extractor_fingerprint": efp, "classifier_fingerprint": cfp},
        "cache": {"prediction_hits": hits.get("prediction", 0),
                  "extraction_hits": hits.get("extraction", 0),
                  "documents_computed": len(tasks), "pages_computed": computed_pages},
        "timings": {"discover_and_hash_seconds": round(t_discover, 3),
                    "compute_seconds": round(t_compute, 3),
                    "write_seconds": round(t_write, 3),
                    "total_seconds": round(summary.seconds, 3)},
    })
    state = read_json(out / STATE_FILE)
    _write_state(out, {**state, "complete": True})
    if not use_cache:
        shutil.rmtree(cache_root, ignore_errors=True)
    return summary


def _dumps_line(record: dict[str, Any]) -> bytes:
    """One JSONL line, formatted as ``pipeline.io.write_jsonl`` writes them."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _render(extraction: dict[str, Any], prediction: dict[str, Any], doc_id: str, source: str,
            model_id: str) -> tuple[dict[str, Any], bytes]:
    """A document's passages.jsonl lines, and the facts documents.jsonl needs about them."""
    counts: Counter[str] = Counter()
    lines = []
    old_id = extraction["doc_id"]
    for passage, pred in zip(extraction["passages"], prediction["predictions"], strict=True):
        counts.update(pred["labels"])
        lines.append(_dumps_line({"schema_version": SCHEMA_VERSION,
                                  **_relabel(dict(passage), old_id, doc_id, source),
                                  **pred, "model": model_id}))
    meta = {"doc_id": doc_id, "source": source, "model_id": model_id,
            "title": extraction["title"], "pages": extraction["pages"],
            "pages_without_text": extraction["pages_without_text"],
            "passages": len(lines), "context": prediction["context"],
            "label_counts": {lab: counts.get(lab, 0) for lab in LABELS}}
    return meta, b"".join(lines)


def _cached_error(entry: dict[str, Any] | None) -> tuple[str, str]:
    err = (entry or {}).get("error") or {}
    return err.get("kind", "internal_error"), err.get("message", "no result was produced")


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def resume_options(out_dir: str | Path) -> dict[str, Any]:
    """Keyword arguments for ``run`` that repeat the last run into ``out_dir``."""
    state = read_state(out_dir)
    return {"inputs": state["inputs"], "model_dir": state.get("model_dir"),
            "jobs": state.get("jobs"), "cache_dir": state.get("cache_dir"),
            "use_cache": state.get("use_cache", True), "timeout": state.get("timeout"),
            "backend": state.get("backend", "loky"), "scheduler": state.get("scheduler"),
            "check_margin": state.get("check_margin")}


__all__ = ["DEFAULT_TIMEOUT", "RunSummary", "Task", "display_path", "process_task",
           "read_state", "resume_options", "run"]
