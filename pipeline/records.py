"""Plain records passed between stages.

Every record that leaves the process is written with ``schema_version`` so that
readers (``load_results``, notebooks, the QDA export) can refuse or upgrade old files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1.0"

LABELS: tuple[str, ...] = (
    "child_mental_health",
    "preschool_parental_mh",
    "extrafamilial_harm",
    "missed_opportunity",
)

AGE_BANDS: tuple[str, ...] = ("under_5", "5_to_10", "11_to_17")


@dataclass(frozen=True, slots=True)
class Line:
    """One visual line of text with its box in PDF points (origin top-left)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool = False
    baseline: float = 0.0  # y of the text baseline (top-left origin); 0 when unknown
    marks: tuple[tuple[int, int], ...] = ()  # superscript spans in ``text`` (footnote marks)


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    has_images: bool = False  # drawn images on a page without text suggest a scan

    @property
    def has_text(self) -> bool:
        return any(line.text.strip() for line in self.lines)

    @property
    def text(self) -> str:
        """The text ``Passage.char_start``/``char_end`` index: lines joined by newlines."""
        return "\n".join(line.text for line in self.lines)


@dataclass(slots=True)
class Document:
    doc_id: str
    source: str
    sha256: str
    pages: list[Page]
    title: str | None = None
    engine: str = ""
    pages_without_text: list[int] = field(default_factory=list)  # 1-based, drawn but no text

    @property
    def text_layer(self) -> str:
        """``"full"``, or ``"partial"`` when some drawn pages have no text (scans; OCR needed)."""
        return "partial" if self.pages_without_text else "full"


@dataclass(slots=True)
class Passage:
    """One paragraph of body text (or a bullet, footnote or table row, by ``kind``)."""

    doc_id: str
    passage_id: str
    text: str
    page: int | None = None
    para_no: str | None = None
    section: str | None = None
    kind: str = "body"
    source: str | None = None
    page_end: int | None = None
    sentences: list[tuple[int, int]] = field(default_factory=list)
    # offsets of the passage's first character in ``Page.text`` of ``page`` and of its
    # end (exclusive) in ``Page.text`` of ``page_end``
    char_start: int | None = None
    char_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["sentences"] = [list(s) for s in self.sentences]
        return d


@dataclass(frozen=True, slots=True)
class Evidence:
    label: str
    start: int
    end: int
    text: str


@dataclass(slots=True)
class Prediction:
    labels: list[str]
    scores: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)
    explanations: dict[str, list[str]] = field(default_factory=dict)
    check: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "scores": {k: round(float(v), 4) for k, v in self.scores.items()},
            "evidence": [asdict(e) for e in self.evidence],
            "explanations": self.explanations,
            "check": list(self.check),
            "flags": list(self.flags),
        }


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """Facts about the whole review that single passages cannot see."""

    age_band: str | None = None
    age_evidence: str | None = None
    child_names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "child_age_band": self.age_band,
            "child_age_evidence": self.age_evidence,
            "child_names": list(self.child_names),
        }


@dataclass(frozen=True, slots=True)
class RunError:
    source: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}


@dataclass(slots=True)
class LabelledPassage:
    """A passage with gold labels, as the codebook's JSONL defines it."""

    text: str
    labels: list[str]
    doc_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "labels": list(self.labels), "doc_id": self.doc_id,
                "meta": self.meta}
