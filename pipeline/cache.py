"""A content-addressed store of per-document results, so re-runs and resumes skip work.

Two namespaces, because the two stages go stale for different reasons:

- ``extract/<extractor fingerprint>/``: a file's passages (or its deterministic
  extraction error), keyed by the file's sha256. Stale when the PDF or the
  extraction/segmentation code changes.
- ``predict/<extractor>-<classifier>-<model sha>/``: the predictions and review
  context for those passages. Stale when any of those change; a new model only
  re-runs classification.

Entries are written atomically (temporary file, then rename) the moment a document
finishes, so a killed run leaves only whole entries; a damaged entry (e.g. after a
power cut) fails validation and is recomputed. Entries are JSON, not pickles, so a
cache folder cannot run code.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.io import atomic_write_bytes

PACKAGE = Path(__file__).resolve().parent
# Code whose output the cache stores; any change to these files invalidates entries.
EXTRACTION_CODE = ("extract", "segment.py", "nlp.py", "records.py")
CLASSIFIER_CODE = ("model.py", "features.py", "context.py", "lexicon.py", "ngrams.py",
                   "sentences.py", "heads.py", "review_scores.py", "nlp.py", "records.py",
                   "data")
EXTRACTION_LIBS = ("pypdfium2", "pdfplumber", "spacy")
CLASSIFIER_LIBS = ("scikit-learn", "numpy", "scipy", "spacy")


def _code_fingerprint(parts: tuple[str, ...], libs: tuple[str, ...]) -> str:
    h = hashlib.sha256(f"cspr {__version__}\n".encode())
    for lib in libs:
        try:
            h.update(f"{lib} {metadata.version(lib)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib} -\n".encode())
    for part in parts:
        root = PACKAGE / part
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.is_file() and f.suffix in (".py", ".json") and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(PACKAGE)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def extractor_fingerprint() -> str:
    """Hash of the extraction and segmentation code and library versions."""
    return _code_fingerprint(EXTRACTION_CODE, EXTRACTION_LIBS)


def classifier_fingerprint() -> str:
    """Hash of the classification code and library versions (the model is keyed apart)."""
    return _code_fingerprint(CLASSIFIER_CODE, CLASSIFIER_LIBS)


def dumps_safe(obj: Any) -> bytes:
    """JSON that round-trips any Python str, including undecodable file names.

    ``ensure_ascii`` escapes lone surrogates (``surrogateescape`` file names) as
    ``\\udcXX`` instead of failing to encode them as UTF-8.
    """
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class ResultCache:
    """Per-document JSON entries under ``root/<namespace>/<sha[:2]>/<sha>.json``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, namespace: str, sha256: str) -> Path:
        return self.root / namespace / sha256[:2] / f"{sha256}.json"

    def get(self, namespace: str, sha256: str) -> dict[str, Any] | None:
        """The entry, or None when it is missing, unreadable or not for this file."""
        try:
            entry = json.loads(self.path(namespace, sha256).read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("sha256") != sha256:
            return None
        return entry

    def has(self, namespace: str, sha256: str) -> bool:
        return self.path(namespace, sha256).is_file()

    def put(self, namespace: str, sha256: str, entry: dict[str, Any]) -> None:
        atomic_write_bytes(self.path(namespace, sha256), dumps_safe({**entry, "sha256": sha256}))

    def put_records(self, namespace: str, sha256: str, entry: dict[str, Any],
                    records: bytes) -> None:
        """An entry with a blob of ready-to-write JSONL beside it.

        The blob is written first and the entry (holding its hash) last, so an entry
        only exists once its blob is whole.
        """
        atomic_write_bytes(self.path(namespace, sha256).with_suffix(".jsonl"), records)
        self.put(namespace, sha256, {**entry, "records_sha256": hashlib.sha256(records)
                                     .hexdigest(), "records_bytes": len(records)})

    def records(self, namespace: str, sha256: str, entry: dict[str, Any]) -> bytes | None:
        """The entry's JSONL blob, or None when it is missing or damaged."""
        try:
            data = self.path(namespace, sha256).with_suffix(".jsonl").read_bytes()
        except OSError:
            return None
        if (len(data) != entry.get("records_bytes")
                or hashlib.sha256(data).hexdigest() != entry.get("records_sha256")):
            return None
        return data


def extract_namespace(extractor_fp: str) -> str:
    return f"extract/{extractor_fp[:16]}"


def predict_namespace(extractor_fp: str, classifier_fp: str, model_sha: str) -> str:
    return f"predict/{extractor_fp[:12]}-{classifier_fp[:12]}-{model_sha[:16]}"
