"""One bad file never stops a batch: each is reported with a clear kind, the rest are coded."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline import batch, limits
from pipeline.cli import main

from .conftest import ROOT, SAMPLES

MODEL = Path(os.environ.get("CSPR_TEST_MODEL", ROOT / "models" / "default"))
BAD_NAME = os.fsdecode(b"caf\xe9-review.pdf")  # not valid UTF-8 on disk


def _jsonl(path: Path) -> list[dict]:
    # strict UTF-8: a surrogate from an undecodable file name must not reach the file
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _scan_pdf(path: Path) -> None:
    """An image-only page, as a scanner makes: no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawImage(ImageReader(Image.new("L", (300, 300), 200)), 72, 300, width=300, height=300)
    c.save()


def _locked_pdf(path: Path) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt="a-user-password")
    c.drawString(72, 720, "Confidential: the review of Child Q.")
    c.save()


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory) -> tuple[int, Path, Path]:
    folder = tmp_path_factory.mktemp("inbox")
    good = sorted(SAMPLES.glob("*.pdf"))[:2]
    data = good[0].read_bytes()
    (folder / "good-one.pdf").write_bytes(data)
    (folder / "good-one-again.pdf").write_bytes(data)  # same bytes, second name
    (folder / "good-two.pdf").write_bytes(good[1].read_bytes())
    (folder / BAD_NAME).write_bytes(good[1].read_bytes() + b"\n%distinct\n")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "random.pdf").write_bytes(os.urandom(3000))
    (folder / "saved-page.pdf").write_text(
        "<!DOCTYPE html><html><head><title>Child Safeguarding Practice Review</title></head>"
        "<body><p>This page has moved.</p></body></html>")
    _locked_pdf(folder / "locked.pdf")
    _scan_pdf(folder / "scanned.pdf")
    pdfium.PdfDocument.new().save(str(folder / "no-pages.pdf"))
    os.symlink("loop.pdf", folder / "loop.pdf")
    (folder / "nested").mkdir()
    os.symlink("..", folder / "nested" / "up")
    out = tmp_path_factory.mktemp("out")
    code = main(["run", str(folder), "--out", str(out), "--model", str(MODEL), "--jobs", "1"])
    return code, folder, out


def _by_name(records: list[dict]) -> dict[str, dict]:
    return {os.path.basename(r["source"]): r for r in records}


def test_each_bad_file_is_reported_with_its_kind(bad_run) -> None:
    code, _folder, out = bad_run
    assert code == 1, "some inputs failed: exit status 1"
    errors = _by_name(_jsonl(out / "errors.jsonl"))
    assert {k: errors[k]["kind"] for k in errors if k != "no-pages.pdf"} == {
        "empty.pdf": "empty_file",
        "truncated.pdf": "corrupt_pdf",
        "random.pdf": "not_pdf",
        "saved-page.pdf": "not_pdf",
        "locked.pdf": "encrypted",
        "scanned.pdf": "no_text_layer",
        "loop.pdf": "symlink_loop",
        "up": "symlink_loop",
    }
    assert errors["no-pages.pdf"]["kind"] == "no_pages"
    assert all(e["message"] for e in errors.values())


def test_a_pdf_without_pages_is_reported_as_no_pages(bad_run) -> None:
    _code, _folder, out = bad_run
    assert _by_name(_jsonl(out / "errors.jsonl"))["no-pages.pdf"]["kind"] == "no_pages"


def test_every_input_has_a_document_line_and_good_files_are_coded(bad_run) -> None:
    _code, _folder, out = bad_run
    documents = _by_name(_jsonl(out / "documents.jsonl"))
    errors = _by_name(_jsonl(out / "errors.jsonl"))
    assert len(documents) == 13
    for name, doc in documents.items():
        assert doc["status"] == (errors[name]["kind"] if name in errors else "ok")
    ok = {n for n, d in documents.items() if d["status"] == "ok"}
    assert ok == {"good-one.pdf", "good-one-again.pdf", "good-two.pdf", "caf\\xe9-review.pdf"}
    passages = _jsonl(out / "passages.jsonl")
    per_doc = {d["doc_id"]: d["passages"] for d in documents.values() if d["status"] == "ok"}
    assert {p["doc_id"] for p in passages} == set(per_doc)
    assert all(n > 10 for n in per_doc.values())


def test_same_pdf_twice_appears_twice_and_is_worked_once(bad_run) -> None:
    _code, _folder, out = bad_run
    documents = _by_name(_jsonl(out / "documents.jsonl"))
    first, again = documents["good-one-again.pdf"], documents["good-one.pdf"]  # input order
    assert first["sha256"] == again["sha256"] and first["doc_id"] != again["doc_id"]
    assert again["duplicate_of"] == first["doc_id"] and first["duplicate_of"] is None
    passages = _jsonl(out / "passages.jsonl")
    texts = {d: [p["text"] for p in passages if p["doc_id"] == d]
             for d in (first["doc_id"], again["doc_id"])}
    assert texts[first["doc_id"]] == texts[again["doc_id"]] != []
    again_ids = [p["passage_id"] for p in passages if p["doc_id"] == again["doc_id"]]
    assert all(pid.startswith(again["doc_id"]) for pid in again_ids)
    manifest = json.loads((out / "manifest.json").read_text())
    # 11 regular files, 10 distinct contents: the copy was not extracted again
    assert manifest["counts"]["unique_files"] == 10
    assert manifest["cache"]["documents_computed"] == 10


def test_undecodable_file_name_is_written_as_escaped_text(bad_run) -> None:
    _code, _folder, out = bad_run
    documents = _by_name(_jsonl(out / "documents.jsonl"))
    doc = documents["caf\\xe9-review.pdf"]
    assert doc["status"] == "ok" and doc["source"].endswith("caf\\xe9-review.pdf")
    passages = [p for p in _jsonl(out / "passages.jsonl") if p["doc_id"] == doc["doc_id"]]
    assert passages and all(p["source"] == doc["source"] for p in passages)


def test_a_pathological_file_times_out_and_the_run_goes_on(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    samples = sorted(SAMPLES.glob("*.pdf"))[:2]
    (folder / "a.pdf").write_bytes(samples[0].read_bytes())
    (folder / "slow.pdf").write_bytes(samples[1].read_bytes())
    real_extract = batch.extract

    def stuck(path):  # a layout that never converges, in Python code
        if str(path).endswith("slow.pdf"):
            while True:
                time.sleep(0.01)
        return real_extract(path)

    monkeypatch.setattr(batch, "extract", stuck)
    out = tmp_path / "out"
    start = time.perf_counter()
    summary = batch.run([folder], out, MODEL, jobs=1, timeout=0.5)
    assert time.perf_counter() - start < 30
    assert summary.documents == 1 and summary.failed == 1
    [error] = _jsonl(out / "errors.jsonl")
    assert error["kind"] == "timeout" and error["source"].endswith("slow.pdf")
    assert "0.5s" in error["message"]
    # a timeout depends on the moment, not the file: it is not cached, a re-run retries it
    monkeypatch.setattr(batch, "extract", real_extract)
    assert batch.run([folder], out, MODEL, jobs=1).failed == 0


def test_time_limit_interrupts_a_worker_thread() -> None:
    """dask workers run documents in threads, where SIGALRM cannot reach."""
    import threading

    result: list[str] = []

    def work() -> None:
        try:
            with limits.time_limit(0.2):
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    sum(range(1000))
            result.append("finished")
        except limits.DocumentTimeout:
            result.append("timeout")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(15)
    assert result == ["timeout"]
