"""JSON Schemas of the run files: every record a real run writes is valid, broken ones are not."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is in the dev extra")

from pipeline.records import LABELS, SCHEMA_VERSION  # noqa: E402
from pipeline.results import SCHEMA_NAMES, schema  # noqa: E402

FILES = {"passage": "passages.jsonl", "document": "documents.jsonl", "error": "errors.jsonl"}


def _validator(name: str) -> Any:
    return jsonschema.Draft202012Validator(schema(name))


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_and_pin_the_version_and_labels(name: str) -> None:
    s = schema(name)
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert "schema_version" in s["required"]
    assert s.get("additionalProperties", True) is True, "newer keys must stay readable"
    if name == "passage":
        assert s["$defs"]["label"]["enum"] == list(LABELS)
        assert s["properties"]["scores"]["required"] == list(LABELS)


def test_every_record_of_a_run_matches_its_schema(sample_run: Path) -> None:
    checked = 0
    for name, fname in FILES.items():
        validator = _validator(name)
        for lineno, rec in enumerate(_jsonl(sample_run / fname), 1):
            errors = [e.message for e in validator.iter_errors(rec)]
            assert not errors, f"{fname}:{lineno}: {errors}"
            checked += 1
    manifest = json.loads((sample_run / "manifest.json").read_text(encoding="utf-8"))
    assert not [e.message for e in _validator("manifest").iter_errors(manifest)]
    assert checked > 100


@pytest.fixture(scope="module")
def passage(sample_run: Path) -> dict:
    coded = [p for p in _jsonl(sample_run / "passages.jsonl") if p["evidence"]]
    assert coded, "the sample run codes some passages with evidence"
    return coded[0]


def _broken(rec: dict, change) -> dict:
    rec = copy.deepcopy(rec)
    change(rec)
    return rec


@pytest.mark.parametrize("why,change", [
    ("no text", lambda r: r.pop("text")),
    ("no schema_version", lambda r: r.pop("schema_version")),
    ("newer schema_version", lambda r: r.update(schema_version="2.0")),
    ("unknown label", lambda r: r["labels"].append("neglect")),
    ("score above 1", lambda r: r["scores"].update(child_mental_health=1.5)),
    ("score missing", lambda r: r["scores"].pop("missed_opportunity")),
    ("evidence without offsets", lambda r: r["evidence"][0].pop("start")),
    ("page 0", lambda r: r.update(page=0)),
    ("check names no label", lambda r: r.update(check=["maybe"])),
])
def test_passage_schema_rejects_broken_records(passage: dict, why: str, change) -> None:
    assert _validator("passage").is_valid(passage)
    assert not _validator("passage").is_valid(_broken(passage, change)), why


def test_new_keys_are_allowed(passage: dict) -> None:
    extended = {**passage, "status_detail": {"ocr": False}, "scores": {**passage["scores"],
                                                                       "new_label": 0.2}}
    assert _validator("passage").is_valid(extended)


def test_document_schema_accepts_failures_but_not_incomplete_successes() -> None:
    ok = {"schema_version": SCHEMA_VERSION, "doc_id": "a-1", "source": "a.pdf", "sha256": "0" * 64,
          "pages": 3, "passages": 2, "status": "ok", "title": None,
          "label_counts": dict.fromkeys(LABELS, 0)}
    failed = {**ok, "pages": None, "passages": 0, "status": "encrypted", "label_counts": {}}
    v = _validator("document")
    assert v.is_valid(ok) and v.is_valid(failed)
    assert not v.is_valid({**ok, "label_counts": {}}), "an ok document counts every label"
    assert not v.is_valid({**ok, "sha256": "xyz"})
    assert not v.is_valid({k: x for k, x in ok.items() if k != "doc_id"})


def test_error_and_manifest_schemas_require_contract_fields(sample_run: Path) -> None:
    err = {"schema_version": SCHEMA_VERSION, "source": "x.pdf", "kind": "encrypted",
           "message": "password protected"}
    assert _validator("error").is_valid(err)
    assert not _validator("error").is_valid({k: v for k, v in err.items() if k != "kind"})
    manifest = json.loads((sample_run / "manifest.json").read_text(encoding="utf-8"))
    assert not _validator("manifest").is_valid({**manifest, "counts": {"documents": 1}})
