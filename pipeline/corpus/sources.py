"""Review sources (``corpus/sources/<style>/<doc_id>.json``) and their paragraphs.

See ``corpus/SOURCE_FORMAT.md`` for the format. Sources are the single truth the
labelled JSONL and every rendered PDF are generated from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.io import read_json
from pipeline.records import LabelledPassage

FOOTNOTE_MARK = re.compile(r"\[\^(\w+)\]")
CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"


@dataclass(frozen=True, slots=True)
class Paragraph:
    no: str | None
    text: str  # with [^n] footnote marks
    labels: tuple[str, ...]
    kind: str = "body"
    cells: tuple[str, ...] = ()
    notes: str | None = None

    @property
    def plain(self) -> str:
        """The text as a reader sees it in the body, footnote marks removed."""
        return FOOTNOTE_MARK.sub("", self.text)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    number: str | None
    paragraphs: tuple[Paragraph, ...]


@dataclass(slots=True)
class ReviewSource:
    doc_id: str
    style: str
    title: str
    partnership: str
    year: int
    child: dict[str, Any]
    header: str
    footer: str
    page_label: str
    sections: list[Section]
    footnotes: dict[str, str] = field(default_factory=dict)
    subtitle: str | None = None
    author: str | None = None
    harm_types: list[str] = field(default_factory=list)
    path: Path | None = None

    @property
    def paragraphs(self) -> list[tuple[Section, Paragraph]]:
        return [(s, p) for s in self.sections for p in s.paragraphs]

    def labelled_passages(self) -> list[LabelledPassage]:
        return [
            LabelledPassage(p.plain, list(p.labels), self.doc_id, {
                "style": self.style,
                "child_age_band": self.child.get("age_band"),
                "section": s.heading,
                "para_no": p.no,
                "kind": p.kind,
                "source": f"corpus/sources/{self.style}/{self.doc_id}.json",
            })
            for s, p in self.paragraphs
        ]

    @classmethod
    def from_dict(cls, d: dict[str, Any], path: Path | None = None) -> ReviewSource:
        sections = [
            Section(
                heading=str(s["heading"]).strip(),
                number=None if s.get("number") in (None, "") else str(s["number"]),
                paragraphs=tuple(
                    Paragraph(
                        no=None if p.get("no") in (None, "") else str(p["no"]).rstrip("."),
                        text=" ".join(str(p["text"]).split()),
                        labels=tuple(p.get("labels") or ()),
                        kind=p.get("kind") or "body",
                        cells=tuple(p.get("cells") or ()),
                        notes=p.get("notes"),
                    )
                    for p in s["paragraphs"]
                ),
            )
            for s in d["sections"]
        ]
        return cls(
            doc_id=d["doc_id"], style=d["style"], title=d["title"],
            partnership=d.get("partnership", ""), year=int(d.get("year") or 0),
            child=dict(d.get("child") or {}), header=d.get("header") or "",
            footer=d.get("footer") or "", page_label=d.get("page_label") or "Page {n}",
            sections=sections, footnotes={str(k): v for k, v in (d.get("footnotes") or {}).items()},
            subtitle=d.get("subtitle"), author=d.get("author"),
            harm_types=list(d.get("harm_types") or []), path=path,
        )


def load_source(path: str | Path) -> ReviewSource:
    path = Path(path)
    try:
        return ReviewSource.from_dict(read_json(path), path)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: not a valid review source ({exc!r})") from exc


def load_sources(root: str | Path | None = None) -> list[ReviewSource]:
    root = Path(root) if root else CORPUS_DIR / "sources"
    return [load_source(p) for p in sorted(root.rglob("*.json"))]
