"""Reading run folders back: the version check every reader shares, and pandas frames.

Notebooks, the HTML report and the QDA export all read runs through ``read_run`` so that
a file written by a newer (or unknown) cspr is refused in one place, with one message,
instead of being half-understood by each reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.io import read_json, read_jsonl
from pipeline.records import LABELS, SCHEMA_VERSION

# Versions this reader understands. A new minor version that only adds keys should be
# added here once the readers have been checked against it.
SUPPORTED_SCHEMA_VERSIONS: frozenset[str] = frozenset({SCHEMA_VERSION})

RUN_FILES = ("passages.jsonl", "documents.jsonl", "errors.jsonl", "manifest.json")
SCHEMA_NAMES = ("passage", "document", "error", "manifest")


class SchemaVersionError(ValueError):
    """A run file was written with a schema_version this cspr cannot read."""


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema for ``passage``, ``document``, ``error`` or ``manifest`` records."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; one of {', '.join(SCHEMA_NAMES)}")
    text = resources.files("pipeline").joinpath("schemas", f"{name}.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def check_version(record: dict[str, Any], where: str) -> None:
    """Refuse a record whose schema_version is missing, unknown or newer than this reader."""
    version = record.get("schema_version")
    if version in SUPPORTED_SCHEMA_VERSIONS:
        return
    known = ", ".join(sorted(SUPPORTED_SCHEMA_VERSIONS))
    if version is None:
        raise SchemaVersionError(f"{where}: no schema_version; not a cspr run file, or written "
                                 f"by a cspr too old to read (this cspr reads {known})")
    raise SchemaVersionError(f"{where}: schema_version {version!r} is not one this cspr reads "
                             f"({known}); upgrade cspr to read files from a newer version")


@dataclass
class RunFiles:
    """The raw records of one run folder, version-checked."""

    path: Path
    passages: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    manifest: dict[str, Any]


def _checked(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    records = []
    for lineno, rec in enumerate(read_jsonl(path), 1):
        check_version(rec, f"{path}:{lineno}")
        records.append(rec)
    return records


def read_run(run_dir: str | Path) -> RunFiles:
    """Read a run folder's four files; passages.jsonl is required, the others optional."""
    path = Path(run_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such run folder")
    if not (path / "passages.jsonl").is_file():
        raise FileNotFoundError(f"{path}: no passages.jsonl; is this a `cspr run` output folder?")
    manifest: dict[str, Any] = {}
    if (path / "manifest.json").is_file():
        manifest = read_json(path / "manifest.json")
        if not isinstance(manifest, dict):
            raise ValueError(f"{path / 'manifest.json'}: expected a JSON object")
        check_version(manifest, str(path / "manifest.json"))
    return RunFiles(path, _checked(path / "passages.jsonl"), _checked(path / "documents.jsonl"),
                    _checked(path / "errors.jsonl"), manifest)


@dataclass
class Results:
    """One or more runs as DataFrames; ``run`` in every frame names the folder a row came from.

    ``passages``: one row per passage with a boolean column per label (``child_mental_health``
    ...), a float ``score_<label>`` column per label, ``labels``/``check``/``evidence`` kept as
    list columns and ``needs_check`` true when any label is near its threshold.
    ``documents``: one row per review, label counts as ``n_<label>`` columns.
    ``errors``: inputs that failed. ``manifests``: each run's manifest.json, keyed by folder.
    """

    passages: pd.DataFrame
    documents: pd.DataFrame
    errors: pd.DataFrame
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"Results({len(self.manifests)} run(s): {len(self.documents)} documents, "
                f"{len(self.passages)} passages, {len(self.errors)} errors)")

    def near_threshold(self, margin: float) -> pd.Series:
        """Passages with a label's score within ``margin`` of that label's threshold in the
        model that coded their run: a wider (or narrower) "check" band than the model's
        own. The model card says what share of the errors each band held on held-out
        reviews (for the default, 0.2 marks about 9% of decisions and holds about half)."""
        near = pd.Series(False, index=self.passages.index)
        for run, rows in self.passages.groupby("run").groups.items():
            thresholds = (self.manifests.get(run, {}).get("model") or {}).get("thresholds")
            if not thresholds:
                raise ValueError(f"{run}: its manifest.json has no model thresholds (written "
                                 "by an earlier cspr); code it again to record them")
            part = self.passages.loc[rows]
            for label, threshold in thresholds.items():
                near[rows] |= (part[f"score_{label}"] - threshold).abs() < margin
        return near


PASSAGE_COLUMNS = ("run", "doc_id", "passage_id", "source", "page", "page_end", "para_no",
                   "section", "kind", "text", "labels", *LABELS,
                   *(f"score_{lab}" for lab in LABELS),
                   "check", "needs_check", "evidence", "explanations", "flags", "model",
                   "schema_version")
DOCUMENT_COLUMNS = ("run", "doc_id", "title", "source", "sha256", "pages", "passages", "status",
                    *(f"n_{lab}" for lab in LABELS), "schema_version")
ERROR_COLUMNS = ("run", "source", "kind", "message", "schema_version")


def _passage_row(rec: dict[str, Any], run: str) -> dict[str, Any]:
    row = {"run": run, **rec}
    labels = list(rec.get("labels") or [])
    scores = rec.get("scores") or {}
    row["labels"] = labels
    for lab in LABELS:
        row[lab] = lab in labels
        row[f"score_{lab}"] = float(scores.get(lab, float("nan")))
    row.pop("scores", None)
    row["check"] = list(rec.get("check") or [])
    row["needs_check"] = bool(row["check"])
    row["evidence"] = list(rec.get("evidence") or [])
    return row


def _document_row(rec: dict[str, Any], run: str) -> dict[str, Any]:
    row = {"run": run, **rec}
    counts = row.pop("label_counts", None) or {}
    for lab in LABELS:
        row[f"n_{lab}"] = int(counts.get(lab, 0))
    return row


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Contract columns first (present even when empty), then any newer keys as they come."""
    frame = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    for col in columns:
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="object")
    extra = [c for c in frame.columns if c not in columns]
    return frame[[*columns, *extra]].reset_index(drop=True)


def load_results(runs: str | Path | Iterable[str | Path]) -> Results:
    """Read one run folder, or several, into pandas DataFrames (see ``Results``).

    Raises ``SchemaVersionError`` for a file written with an unknown or newer schema_version,
    and ``FileNotFoundError`` for a folder without passages.jsonl.
    """
    given = [runs] if isinstance(runs, str | Path) else list(runs)
    folders = list({Path(f).resolve(): f for f in given}.values())  # a folder named twice once
    if not folders:
        raise ValueError("load_results: no run folders given")
    passages, documents, errors, manifests = [], [], [], {}
    for folder in folders:
        files = read_run(folder)
        run = str(files.path)
        passages += [_passage_row(r, run) for r in files.passages]
        documents += [_document_row(r, run) for r in files.documents]
        errors += [{"run": run, **r} for r in files.errors]
        manifests[run] = files.manifest
    p = _frame(passages, PASSAGE_COLUMNS)
    for lab in LABELS:
        p[lab] = p[lab].astype(bool)
        p[f"score_{lab}"] = p[f"score_{lab}"].astype(float)
    p["needs_check"] = p["needs_check"].astype(bool)
    for col in ("page", "page_end"):
        p[col] = pd.to_numeric(p[col]).astype("Int64")
    d = _frame(documents, DOCUMENT_COLUMNS)
    for col in ("pages", "passages", *(f"n_{lab}" for lab in LABELS)):
        d[col] = pd.to_numeric(d[col]).astype("Int64")
    return Results(p, d, _frame(errors, ERROR_COLUMNS), manifests)
