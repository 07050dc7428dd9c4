"""Labelled passages in, from the annotation tools researchers actually use.

Supported (detected from the file, never from a flag, so a researcher can pass
whatever their tool exported):

- ``codebook-jsonl``: the codebook's JSONL (``text``, ``labels``, ``doc_id``, ``meta``);
- ``prodigy``: Prodigy choice-interface exports (``options``, ``accept``, ``answer``);
  only ``answer == "accept"`` examples count, their labels are the accepted option ids;
- ``doccano``: doccano text-classification JSONL (``text``, ``label`` = list of names);
- ``label-studio``: Label Studio JSON exports (an array of tasks with ``data.text`` and
  ``annotations[].result[]`` of type ``choices``);
- ``csv``: columns ``text``, ``labels`` (names separated by ``;``), optionally ``doc_id``;
  other columns are kept in ``meta``.

Every label must be one of the codebook's; anything else is refused with the file and
line (or record) number, because a misspelt label silently trains a wrong model.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.io import iter_jsonl
from pipeline.records import LABELS, LabelledPassage

FORMATS: dict[str, str] = {
    "codebook-jsonl": "codebook JSONL: one object a line with 'text' and 'labels' (a list)",
    "prodigy": "Prodigy JSONL export: 'text', 'options', 'accept' and 'answer'",
    "doccano": "doccano JSONL export: 'text' and 'label' (a list of label names)",
    "label-studio": "Label Studio JSON export: an array of tasks with 'data.text' and "
                    "'annotations[].result[]' of type 'choices'",
    "csv": "CSV with a header row: 'text', 'labels' (names separated by ';'), optional 'doc_id'",
}
EXPECTED = "expected one of:\n  " + "\n  ".join(FORMATS.values())


class LabelError(ValueError):
    """A labelled file names a label outside the codebook, or is not readable."""


@dataclass(slots=True)
class LabelledFile:
    """One file's passages, plus what was skipped and why (for the user to see)."""

    path: str
    format: str
    passages: list[LabelledPassage]
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _labels(raw: Any, where: str) -> list[str]:
    """Validated, de-duplicated codebook labels; refuses anything else with ``where``."""
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise LabelError(f"{where}: labels must be a list of label names, got {raw!r}")
    names = [x.strip() for x in raw if x.strip()]
    unknown = [x for x in names if x not in LABELS]
    if unknown:
        raise LabelError(f"{where}: label(s) {unknown} are not in the codebook "
                         f"({', '.join(LABELS)})")
    return list(dict.fromkeys(names))


def _doc_id(rec: dict[str, Any]) -> str | None:
    meta = rec.get("meta") if isinstance(rec.get("meta"), dict) else {}
    doc = rec.get("doc_id") or meta.get("doc_id")
    return str(doc) if doc not in (None, "") else None


def _meta(rec: dict[str, Any], drop: Iterable[str] = ()) -> dict[str, Any]:
    """The record's ``meta`` plus its ``id`` (used to match two coders' files)."""
    meta = dict(rec["meta"]) if isinstance(rec.get("meta"), dict) else {}
    meta.pop("doc_id", None)
    for key in drop:
        meta.pop(key, None)
    if rec.get("id") is not None and "id" not in meta:
        meta["id"] = rec["id"]
    return meta


def _text(rec: dict[str, Any], where: str) -> str:
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LabelError(f"{where}: no 'text'")
    return text


# ------------------------------------------------------------------ JSONL-based formats
def _jsonl_records(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        return list(iter_jsonl(path))
    except UnicodeDecodeError as exc:
        raise LabelError(f"{path}: not UTF-8 text; {EXPECTED}") from exc
    except ValueError as exc:
        raise LabelError(f"{exc}; {EXPECTED}") from exc


def _jsonl_format(rec: dict[str, Any]) -> str | None:
    if "answer" in rec or "accept" in rec or "options" in rec:
        return "prodigy"
    if "labels" in rec:
        return "codebook-jsonl"
    if isinstance(rec.get("label"), list):
        return "doccano"
    return None


def _from_codebook(path: Path, rows: list[tuple[int, dict]], out: LabelledFile) -> None:
    for lineno, rec in rows:
        where = f"{path}: line {lineno}"
        if "labels" not in rec:
            raise LabelError(f"{where}: no 'labels' (every line of codebook JSONL needs one; "
                             "an empty list means no label applies)")
        labels = _labels(rec["labels"], where)
        out.passages.append(LabelledPassage(_text(rec, where), labels, _doc_id(rec),
                                            _meta(rec)))


def _from_prodigy(path: Path, rows: list[tuple[int, dict]], out: LabelledFile) -> None:
    for lineno, rec in rows:
        where = f"{path}: line {lineno}"
        answer = rec.get("answer")
        if answer != "accept":
            key = f"answer {answer!r}" if answer else "no answer"
            out.skipped[key] = out.skipped.get(key, 0) + 1
            continue
        if "accept" not in rec:
            raise LabelError(f"{where}: a Prodigy example without 'accept'. Binary "
                             "annotations ('label' + 'answer') decide one label, not the "
                             "set; export from the choice interface (options/accept)")
        option_ids = {str(o.get("id")) for o in rec.get("options") or [] if isinstance(o, dict)}
        accepted = [str(x) for x in rec["accept"]]
        if option_ids and not set(accepted) <= option_ids:
            raise LabelError(f"{where}: accepted {sorted(set(accepted) - option_ids)} are not "
                             "among the example's options")
        out.passages.append(LabelledPassage(_text(rec, where), _labels(accepted, where),
                                            _doc_id(rec), _meta(rec)))


def _from_doccano(path: Path, rows: list[tuple[int, dict]], out: LabelledFile) -> None:
    for lineno, rec in rows:
        where = f"{path}: line {lineno}"
        if "label" not in rec:
            raise LabelError(f"{where}: no 'label' (doccano exports a list of label names)")
        extra = {k: v for k, v in rec.items()
                 if k not in ("text", "label", "doc_id", "meta", "id", "Comments")}
        meta = {**extra, **_meta(rec)}
        out.passages.append(LabelledPassage(_text(rec, where), _labels(rec["label"], where),
                                            _doc_id(rec), meta))


# ----------------------------------------------------------------------- Label Studio
def _from_label_studio(path: Path, tasks: list[Any], out: LabelledFile) -> None:
    for i, task in enumerate(tasks, 1):
        where = f"{path}: record {i}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise LabelError(f"{where}: not a Label Studio task (no 'data'); {EXPECTED}")
        data = task["data"]
        annotations = [a for a in task.get("annotations") or []
                       if isinstance(a, dict) and not a.get("was_cancelled")]
        if not annotations:
            out.skipped["not annotated"] = out.skipped.get("not annotated", 0) + 1
            continue
        # several annotations of one task: the most recently updated one counts
        latest = max(enumerate(annotations),
                     key=lambda ia: (str(ia[1].get("updated_at") or ""), ia[0]))[1]
        labels: list[str] = []
        for result in latest.get("result") or []:
            if isinstance(result, dict) and result.get("type") == "choices":
                labels += (result.get("value") or {}).get("choices") or []
        meta = _meta(data)
        if task.get("id") is not None:
            meta.setdefault("id", task["id"])
        out.passages.append(LabelledPassage(_text(data, where), _labels(labels, where),
                                            _doc_id(data), meta))


# ------------------------------------------------------------------------------- CSV
def _from_csv(path: Path, out: LabelledFile) -> None:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            if "text" not in header or "labels" not in header:
                expected = (f"expected {FORMATS['csv']}" if path.suffix.lower() == ".csv"
                            else EXPECTED)
                raise LabelError(f"{path}: line 1: no 'text' and 'labels' columns in {header} "
                                 f"(read as CSV); {expected}")
            reader.fieldnames = header
            for row in reader:
                where = f"{path}: line {reader.line_num}"
                text = row.get("text") or ""
                if not text.strip() and not any((v or "").strip() for v in row.values()
                                                 if isinstance(v, str)):
                    continue
                labels = _labels((row.get("labels") or "").split(";"), where)
                meta = {k: v for k, v in row.items()
                        if k not in ("text", "labels", "doc_id") and k and v not in (None, "")}
                doc = (row.get("doc_id") or "").strip() or None
                out.passages.append(LabelledPassage(_text({"text": text}, where), labels, doc,
                                                    meta))
    except UnicodeDecodeError as exc:
        raise LabelError(f"{path}: not UTF-8 text; expected {FORMATS['csv']}") from exc
    except csv.Error as exc:
        raise LabelError(f"{path}: not readable as CSV ({exc}); "
                         f"expected {FORMATS['csv']}") from exc


# ------------------------------------------------------------------------- detection
def load_labelled(path: str | Path) -> LabelledFile:
    """Read one labelled file in any supported format, detected from its content."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelError(f"{path}: not UTF-8 text; {EXPECTED}") from exc
    if path.suffix.lower() == ".csv" or (raw.strip() and raw.lstrip()[0] not in "[{"):
        out = LabelledFile(str(path), "csv", [])
        _from_csv(path, out)
        return _finish(out)
    if raw.lstrip().startswith("["):
        try:
            tasks = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise LabelError(f"{path}: starts like a JSON array but is not valid JSON "
                             f"({exc.msg}, line {exc.lineno}); expected "
                             f"{FORMATS['label-studio']}") from exc
        out = LabelledFile(str(path), "label-studio", [])
        _from_label_studio(path, tasks, out)
        return _finish(out)
    rows = _jsonl_records(path)
    if not rows:
        raise LabelError(f"{path}: no records; {EXPECTED}")
    fmt = _jsonl_format(rows[0][1])
    if fmt is None:
        keys = sorted(rows[0][1])
        hint = (" It looks like an unlabelled task file (from cspr suggest?): add 'labels', "
                "or label it in an annotation tool and pass its export."
                if "text" in rows[0][1] else "")
        raise LabelError(f"{path}: line {rows[0][0]}: cannot tell the format from fields "
                         f"{keys}.{hint} {EXPECTED}")
    out = LabelledFile(str(path), fmt, [])
    {"codebook-jsonl": _from_codebook, "prodigy": _from_prodigy,
     "doccano": _from_doccano}[fmt](path, rows, out)
    return _finish(out)


def _finish(out: LabelledFile) -> LabelledFile:
    if out.passages and not any(p.labels for p in out.passages):
        out.warnings.append(f"{out.path}: none of its {len(out.passages)} passages has a "
                            "label; training will treat every one as a negative example")
    return out


def read_labelled(path: str | Path) -> tuple[str, list[LabelledPassage]]:
    """(format name, passages) for one labelled file."""
    loaded = load_labelled(path)
    return loaded.format, loaded.passages


def read_codebook_jsonl(path: str | Path) -> list[LabelledPassage]:
    loaded = load_labelled(path)
    if loaded.format != "codebook-jsonl":
        raise LabelError(f"{path}: is {loaded.format}, expected {FORMATS['codebook-jsonl']}")
    return loaded.passages


# ------------------------------------------------------------------------ duplicates
def text_key(text: str) -> str:
    """Whitespace- and case-insensitive identity of a passage's text."""
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass(frozen=True, slots=True)
class Duplicate:
    text: str
    kept_labels: tuple[str, ...]
    dropped_labels: tuple[str, ...]
    kept_from: str
    dropped_from: str

    @property
    def conflicting(self) -> bool:
        return set(self.kept_labels) != set(self.dropped_labels)


def resolve_duplicates(passages: Sequence[LabelledPassage], origins: Sequence[str] | None = None
                       ) -> tuple[list[LabelledPassage], list[str], list[Duplicate]]:
    """One passage per text and review: the later labelling wins (a correction overrides
    the seed).

    The same words in two different reviews are two passages (a label such as
    ``preschool_parental_mh`` depends on the review). A record without a ``doc_id``
    relabels that text wherever it occurs. The survivor keeps the earlier record's
    position and, when it has none of its own, its ``doc_id``, so that a relabelled
    seed passage stays grouped with its review. Returns the passages, the origin of
    each survivor's labels, and the duplicates.
    """
    origins = list(origins) if origins is not None else [""] * len(passages)
    kept: dict[str, list[int]] = {}
    out: list[LabelledPassage] = []
    where: list[str] = []
    dups: list[Duplicate] = []
    for p, origin in zip(passages, origins, strict=True):
        key = text_key(p.text)
        same = [i for i in kept.get(key, [])
                if p.doc_id is None or out[i].doc_id in (None, p.doc_id)]
        if not same:
            kept.setdefault(key, []).append(len(out))
            out.append(p)
            where.append(origin)
            continue
        for i in same:
            old = out[i]
            dups.append(Duplicate(p.text[:80], tuple(p.labels), tuple(old.labels), origin,
                                  where[i]))
            out[i] = LabelledPassage(p.text, list(p.labels), p.doc_id or old.doc_id,
                                     {**old.meta, **p.meta})
            where[i] = origin
    return out, where, dups


def duplicate_summary(dups: Sequence[Duplicate]) -> str:
    """One line for the user; empty when there were none."""
    if not dups:
        return ""
    conflicts = [d for d in dups if d.conflicting]
    line = (f"{len(dups)} duplicate text(s) merged, the later labelling kept; "
            f"{len(conflicts)} had different labels")
    for d in conflicts[:3]:
        line += (f"\n  {d.text!r}...: {sorted(d.dropped_labels)} ({d.dropped_from}) -> "
                 f"{sorted(d.kept_labels)} ({d.kept_from})")
    if len(conflicts) > 3:
        line += f"\n  ... and {len(conflicts) - 3} more"
    return line
