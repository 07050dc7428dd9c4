"""Exports for qualitative analysis tools and spreadsheets.

``qdpx`` is the REFI-QDA project exchange format (urn:QDA-XML:project:1.0) that NVivo,
ATLAS.ti, MAXQDA and QualCoder import: researchers can review, recode and extend the
machine codes in the tool they already use. ``csv`` is one row per passage.

GUIDs are derived (uuid5) from the run's ids, so exporting the same run twice gives the
same project and a re-import can be matched to the earlier one.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from pipeline import __version__
from pipeline.io import atomic_open
from pipeline.records import LABELS
from pipeline.report import LABEL_COLOURS, LABEL_TITLES
from pipeline.results import RunFiles, read_run

QDA_NS = "urn:QDA-XML:project:1.0"
CODER = "cspr"
# Namespace for the uuid5 GUIDs; fixed so that GUIDs are stable across exports.
GUID_NS = uuid.UUID("6f1d8a2e-5b0c-4c39-9a57-2f6a4e1c7d10")
PASSAGE_SEPARATOR = "\n\n"
FORMATS = ("qdpx", "csv")

# The codebook's definitions (codebook.md), carried as code descriptions so a researcher
# sees the rules in the QDA tool next to every coding.
CODE_DESCRIPTIONS: dict[str, str] = {
    "child_mental_health": (
        "Safeguarding children with mental health needs. The passage concerns the mental "
        "health or emotional wellbeing of a child or young person (under 18) in the review: "
        "a diagnosed or suspected condition, self-harm, suicidal thoughts or attempts, eating "
        "disorders, anxiety, depression, psychosis, trauma responses, distress severe enough "
        "to be assessed or referred; CAMHS/CYPMHS referrals, waiting lists, tier 4 "
        "admissions, crisis teams, school counselling. Excludes a parent's or other adult's "
        "mental health, neurodevelopmental conditions or learning needs alone, and generic "
        "'wellbeing'."),
    "preschool_parental_mh": (
        "Pre-school children with parents with mental health needs. The passage concerns the "
        "mental health of a parent or caring adult AND the review's child is of pre-school "
        "age (unborn to five): perinatal and postnatal mental illness, parental depression, "
        "anxiety, psychosis, personality disorder, suicidal thoughts of a parent, adult mental "
        "health services, and how the parent's mental health bears on the care of the baby "
        "or young child. Label by the review's child. Excludes parental substance misuse or "
        "domestic abuse alone."),
    "extrafamilial_harm": (
        "Harm outside the family home. Risk or harm to a child from outside the family: "
        "criminal exploitation (county lines), child sexual exploitation by non-family adults "
        "or peers, serious youth violence, knife crime, gang association, peer-on-peer abuse, "
        "online grooming or sextortion, radicalisation, trafficking, going missing linked to "
        "exploitation, contextual safeguarding responses (disruption, NRM referrals). "
        "Excludes abuse by parents, carers or household members, and domestic abuse."),
    "missed_opportunity": (
        "A missed opportunity to protect. The passage says, explicitly or unmistakably, that "
        "professionals or agencies could or should have acted differently at a point in this "
        "child's case: an assessment, referral, strategy discussion, information share, "
        "escalation, home visit, follow-up or conversation with the child that did not "
        "happen, or happened too late or too narrowly. Excludes forward-looking "
        "recommendations, good practice and neutral chronology."),
}


def guid(*parts: str) -> str:
    """A stable GUID for a thing named by ``parts`` (e.g. ``"code", label``)."""
    return str(uuid.uuid5(GUID_NS, "\x1f".join(parts)))


@dataclass(frozen=True)
class SourceText:
    """One review as a QDA text source: its plain text and where each passage sits in it."""

    doc_id: str
    name: str
    text: str
    spans: list[tuple[int, int, dict[str, Any]]]  # (start, end exclusive, passage record)


def source_texts(run: RunFiles) -> list[SourceText]:
    """Each review's passages joined by a blank line, in reading order, with their offsets.

    Offsets count Unicode code points, as the REFI-QDA standard's character positions do.
    """
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for p in run.passages:
        by_doc.setdefault(str(p.get("doc_id")), []).append(p)
    titles = {str(d.get("doc_id")): d.get("title") for d in run.documents}
    out = []
    for doc_id, passages in by_doc.items():
        parts, spans, pos = [], [], 0
        for p in passages:
            text = str(p.get("text", ""))
            if parts:
                parts.append(PASSAGE_SEPARATOR)
                pos += len(PASSAGE_SEPARATOR)
            parts.append(text)
            spans.append((pos, pos + len(text), p))
            pos += len(text)
        name = titles.get(doc_id) or Path(str(passages[0].get("source") or doc_id)).stem
        out.append(SourceText(doc_id, f"{name} [{doc_id}]", "".join(parts), spans))
    return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _selection_name(p: dict[str, Any]) -> str:
    bits = [f"p. {p['page']}" if p.get("page") is not None else None,
            f"para {p['para_no']}" if p.get("para_no") else None,
            str(p["section"]) if p.get("section") else None]
    return " · ".join(b for b in bits if b) or str(p.get("passage_id"))


def _selection_description(p: dict[str, Any]) -> str:
    scores = p.get("scores") or {}
    lines = [f"cspr passage {p.get('passage_id')} (model {p.get('model')})",
             "scores: " + ", ".join(f"{lab} {float(scores.get(lab, 0)):.2f}" for lab in LABELS)]
    if p.get("check"):
        lines.append("CHECK: score near the threshold for " + ", ".join(p["check"]))
    for ev in p.get("evidence") or []:
        lines.append(f"evidence ({ev.get('label')}): {ev.get('text')}")
    return "\n".join(lines)


def build_project(run: RunFiles, name: str) -> tuple[ET.Element, dict[str, str]]:
    """The project.qde element tree and the source files (internal name -> plain text)."""
    ET.register_namespace("", QDA_NS)

    def el(parent: ET.Element | None, tag: str, **attrs: str) -> ET.Element:
        qtag = f"{{{QDA_NS}}}{tag}"
        return ET.Element(qtag, attrs) if parent is None else ET.SubElement(parent, qtag, attrs)

    now = _now()
    user = guid("user", CODER)
    project = el(None, "Project", name=name, origin=f"cspr {__version__}",
                 creatingUserGUID=user, creationDateTime=now)
    el(el(project, "Users"), "User", guid=user, name=CODER, id=CODER)
    codes = el(el(project, "CodeBook"), "Codes")
    code_guid = {lab: guid("code", lab) for lab in LABELS}
    for lab in LABELS:
        code = el(codes, "Code", guid=code_guid[lab], name=lab, isCodable="true",
                  color=LABEL_COLOURS[lab])
        el(code, "Description").text = f"{LABEL_TITLES[lab]}. {CODE_DESCRIPTIONS[lab]}"
    sources = el(project, "Sources")
    files: dict[str, str] = {}
    docs = {str(d.get("doc_id")): d for d in run.documents}
    for src in source_texts(run):
        src_guid = guid("source", src.doc_id)
        files[f"{src_guid}.txt"] = src.text
        source = el(sources, "TextSource", guid=src_guid, name=src.name,
                    plainTextPath=f"internal://{src_guid}.txt", creatingUser=user,
                    creationDateTime=now)
        doc = docs.get(src.doc_id, {})
        el(source, "Description").text = (
            f"{doc.get('source') or src.doc_id}; sha256 {doc.get('sha256', '?')}; "
            f"child's age band {doc.get('child_age_band') or 'unknown'}; coded by cspr")
        for start, end, p in src.spans:
            labels = [lab for lab in LABELS if lab in (p.get("labels") or [])]
            if not labels:
                continue
            pid = str(p.get("passage_id"))
            sel = el(source, "PlainTextSelection", guid=guid("selection", pid),
                     name=_selection_name(p), startPosition=str(start), endPosition=str(end),
                     creatingUser=user, creationDateTime=now)
            el(sel, "Description").text = _selection_description(p)
            for lab in labels:
                coding = el(sel, "Coding", guid=guid("coding", pid, lab), creatingUser=user,
                            creationDateTime=now)
                el(coding, "CodeRef", targetGUID=code_guid[lab])
    return project, files


def export_qdpx(run_dir: str | Path, out: str | Path, name: str | None = None) -> Path:
    """Write a REFI-QDA project (.qdpx: zip of project.qde and sources/*.txt)."""
    run = read_run(run_dir)
    out = Path(out)
    project, files = build_project(run, name or f"cspr: {Path(run_dir).resolve().name}")
    ET.indent(project)
    xml = ET.tostring(project, encoding="utf-8", xml_declaration=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("project.qde", xml)
            for fname, text in files.items():
                zf.writestr(f"sources/{fname}", text.encode("utf-8"))
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


CSV_COLUMNS: tuple[str, ...] = (
    "doc_id", "title", "passage_id", "source", "page", "para_no", "section", "kind", "text",
    "labels", *LABELS, *(f"score_{lab}" for lab in LABELS), "check", "evidence", "model")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A spreadsheet-safe cell: text a spreadsheet would run as a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(run: RunFiles) -> list[dict[str, str]]:
    titles = {str(d.get("doc_id")): d.get("title") for d in run.documents}
    rows = []
    for p in run.passages:
        labels = p.get("labels") or []
        scores = p.get("scores") or {}
        row: dict[str, Any] = {
            "doc_id": p.get("doc_id"), "title": titles.get(str(p.get("doc_id"))),
            "passage_id": p.get("passage_id"), "source": p.get("source"), "page": p.get("page"),
            "para_no": p.get("para_no"), "section": p.get("section"), "kind": p.get("kind"),
            "text": p.get("text"), "labels": "; ".join(labels),
            "check": "; ".join(p.get("check") or []),
            "evidence": " | ".join(f"{e.get('label')}: {e.get('text')}"
                                   for e in p.get("evidence") or []),
            "model": p.get("model"),
        }
        for lab in LABELS:
            row[lab] = int(lab in labels)
            row[f"score_{lab}"] = "" if lab not in scores else f"{float(scores[lab]):.4f}"
        rows.append({k: _cell(row[k]) for k in CSV_COLUMNS})
    return rows


def export_csv(run_dir: str | Path, out: str | Path) -> Path:
    """One row per passage, UTF-8 with a byte-order mark so Excel reads the accents right."""
    rows = csv_rows(read_run(run_dir))
    out = Path(out)

    with atomic_open(out, "w") as fh:
        fh.write("\ufeff")
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return out


def export(run_dir: str | Path, fmt: str, out: str | Path) -> Path:
    if fmt == "qdpx":
        return export_qdpx(run_dir, out)
    if fmt == "csv":
        return export_csv(run_dir, out)
    raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")


__all__ = ["CODE_DESCRIPTIONS", "build_project", "export", "export_csv", "export_qdpx",
           "source_texts"]
