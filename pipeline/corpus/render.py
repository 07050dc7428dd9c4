"""Render a review source to PDF with reportlab, as a published review looks.

Title page, contents page with dot leaders, running header and footer with the
source's page label, numbered paragraphs, bullets, chronology tables, and
footnotes collected at the foot of the page on which their mark falls.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from pipeline.corpus.sources import FOOTNOTE_MARK, ReviewSource

LAYOUTS = ("single", "two_column")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=10.5,
                          leading=14, alignment=TA_JUSTIFY, spaceAfter=8)
    return {
        "body": body,
        "numbered": ParagraphStyle("numbered", parent=body, leftIndent=1.3 * cm,
                                   firstLineIndent=-1.3 * cm),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=1.0 * cm, bulletIndent=0.4 * cm,
                                 spaceAfter=4),
        "h1": ParagraphStyle("h1", parent=base["Heading2"], fontName="Helvetica-Bold",
                             fontSize=13.5, leading=17, spaceBefore=10, spaceAfter=8),
        "title": ParagraphStyle("title", parent=base["Title"], fontName="Helvetica-Bold",
                                fontSize=22, leading=28),
        "sub": ParagraphStyle("sub", parent=body, fontSize=13, leading=17, alignment=1),
        "toc": ParagraphStyle("toc", parent=body, alignment=0, spaceAfter=3),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11, alignment=0,
                               spaceAfter=0),
    }


class _ReviewDoc(BaseDocTemplate):
    """Draws header, footer and the footnotes whose marks fell on each page."""

    def __init__(self, path: str, review: ReviewSource, layout: str, total: int) -> None:
        super().__init__(path, pagesize=A4, leftMargin=2.3 * cm, rightMargin=2.3 * cm,
                         topMargin=2.6 * cm, bottomMargin=3.2 * cm, title=review.title,
                         author=review.partnership, invariant=1)  # same source, same bytes
        self.review, self.total = review, total
        self.page_notes: list[str] = []
        w, h = A4
        fw, fh = w - 4.6 * cm, h - 5.8 * cm
        if layout == "two_column":
            gap = 0.8 * cm
            cw = (fw - gap) / 2
            frames = [Frame(2.3 * cm, 3.2 * cm, cw, fh, id="left"),
                      Frame(2.3 * cm + cw + gap, 3.2 * cm, cw, fh, id="right")]
        else:
            frames = [Frame(2.3 * cm, 3.2 * cm, fw, fh, id="body")]
        cover = Frame(2.3 * cm, 3.2 * cm, fw, fh, id="cover")
        self.addPageTemplates([
            PageTemplate("cover", [cover], onPage=self._furniture, onPageEnd=self._notes),
            PageTemplate("body", frames, onPage=self._furniture, onPageEnd=self._notes),
        ])

    def afterFlowable(self, flowable) -> None:
        for mark in getattr(flowable, "cspr_notes", ()):
            self.page_notes.append(mark)

    def _furniture(self, canvas, doc) -> None:
        if doc.page == 1:
            return
        w, h = A4
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(2.3 * cm, h - 1.5 * cm, self.review.header)
        canvas.drawCentredString(w / 2, 1.4 * cm, self.review.footer)
        label = self.review.page_label.format(n=doc.page, total=self.total)
        canvas.drawRightString(w - 2.3 * cm, 1.4 * cm, label)
        canvas.restoreState()

    def _notes(self, canvas, doc) -> None:
        if not self.page_notes:
            return
        w, _h = A4
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        y = 2.6 * cm
        canvas.line(2.3 * cm, y + 0.35 * cm, 7 * cm, y + 0.35 * cm)
        for mark in self.page_notes:
            text = f"{mark} {self.review.footnotes.get(mark, '')}"
            canvas.drawString(2.3 * cm, y, text[:150])
            y -= 0.35 * cm
        canvas.restoreState()
        self.page_notes = []


class _NoteAnchor(Spacer):
    """Zero-height flowable carrying footnote marks to the page where it lands."""

    def __init__(self, marks: list[str]) -> None:
        super().__init__(0, 0)
        self.cspr_notes = marks


def _markup(text: str) -> str:
    return FOOTNOTE_MARK.sub(lambda m: f"<super>{m.group(1)}</super>", escape(text))


def _story(review: ReviewSource, layout: str) -> list:
    st = _styles()
    story: list = [Spacer(1, 5 * cm), Paragraph(escape(review.title), st["title"])]
    if review.subtitle:
        story.append(Paragraph(escape(review.subtitle), st["sub"]))
    story += [Spacer(1, 1 * cm), Paragraph(escape(review.partnership), st["sub"]),
              Paragraph(str(review.year), st["sub"])]
    if review.author:
        story.append(Paragraph(escape(review.author), st["sub"]))
    from reportlab.platypus.doctemplate import NextPageTemplate

    story += [NextPageTemplate("cover"), PageBreak(), Paragraph("Contents", st["h1"])]
    for i, s in enumerate(review.sections, 2):
        num = f"{s.number}. " if s.number else ""
        story.append(Paragraph(f"{escape(num + s.heading)} {'.' * 40} {i + 1}", st["toc"]))
    story += [NextPageTemplate("body"), PageBreak()]
    for s in review.sections:
        num = f"{s.number}. " if s.number else ""
        story.append(Paragraph(escape(num + s.heading), st["h1"]))
        table_rows: list = []
        for p in s.paragraphs:
            if p.kind == "table_row":
                table_rows.append([Paragraph(_markup(c), st["cell"]) for c in p.cells])
                continue
            if table_rows:
                story.append(_table(table_rows))
                table_rows = []
            if p.kind == "bullet":
                flow = Paragraph(_markup(p.text), st["bullet"], bulletText="•")
            elif p.no:
                flow = Paragraph(f"{escape(p.no)}<tab/>{_markup(p.text)}".replace(
                    "<tab/>", "&nbsp;" * 3), st["numbered"])
            else:
                flow = Paragraph(_markup(p.text), st["body"])
            story.append(flow)
            marks = FOOTNOTE_MARK.findall(p.text)
            if marks:  # an anchor after the paragraph: a split paragraph loses attributes
                story.append(_NoteAnchor(marks))
        if table_rows:
            story.append(_table(table_rows))
    return story


def _table(rows: list) -> Table:
    table = Table(rows, colWidths=None, repeatRows=0, hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render_pdf(review: ReviewSource, out: str | Path, layout: str = "single") -> Path:
    """Render one review; two passes so 'Page n of N' totals are right."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    for _ in range(2):
        doc = _ReviewDoc(str(out), review, layout, total)
        doc.build(_story(review, layout))
        total = doc.page
    return out
