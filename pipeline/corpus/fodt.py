"""Write a review source as a flat ODF text document (.fodt) and convert it to PDF.

This is the word-processor layout: real footnotes (``<text:note>``, laid out by the
word processor at the foot of the page), running header and footer on the master
page with page-number fields, a title page, a contents page with dot leaders,
numbered paragraphs with a tab and hanging indent, bulleted lists, chronology
tables and justified, hyphenated body text. Only the standard library is needed to
write the XML; LibreOffice (``soffice --headless --convert-to pdf``) is needed only
to rebuild the PDF fixtures, never by tests.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from pipeline.corpus.sources import FOOTNOTE_MARK, Paragraph, ReviewSource

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
}

NUMBER_STYLES = ("tab", "trailing_dot", "glued")

_STYLES = """
<office:font-face-decls>
 <style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'"/>
 <style:font-face style:name="Liberation Sans" svg:font-family="'Liberation Sans'"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:hyphenation-ladder-count="no-limit"/>
  <style:text-properties style:font-name="Liberation Serif" fo:font-size="11pt"
     fo:language="en" fo:country="GB"/>
 </style:default-style>
 <style:style style:name="Body" style:family="paragraph">
  <style:paragraph-properties fo:text-align="justify" fo:margin-top="0cm"
     fo:margin-bottom="0.25cm" fo:line-height="115%"/>
  <style:text-properties fo:hyphenate="true" fo:hyphenation-remain-char-count="3"
     fo:hyphenation-push-char-count="3"/>
 </style:style>
 <style:style style:name="Numbered" style:family="paragraph" style:parent-style-name="Body">
  <style:paragraph-properties fo:margin-left="1.25cm" fo:text-indent="-1.25cm">
   <style:tab-stops><style:tab-stop style:position="0cm"/></style:tab-stops>
  </style:paragraph-properties>
 </style:style>
 <style:style style:name="Bullet" style:family="paragraph" style:parent-style-name="Body">
  <style:paragraph-properties fo:margin-bottom="0.12cm"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph">
  <style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.25cm"
     fo:keep-with-next="always"/>
  <style:text-properties style:font-name="Liberation Sans" fo:font-size="14pt"
     fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph">
  <style:paragraph-properties fo:text-align="center" fo:margin-top="5cm"
     fo:margin-bottom="1cm"/>
  <style:text-properties style:font-name="Liberation Sans" fo:font-size="24pt"
     fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Sub" style:family="paragraph">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.4cm"/>
  <style:text-properties fo:font-size="14pt"/>
 </style:style>
 <style:style style:name="Toc" style:family="paragraph">
  <style:paragraph-properties fo:margin-bottom="0.15cm">
   <style:tab-stops><style:tab-stop style:position="16cm" style:type="right"
     style:leader-style="dotted" style:leader-text="."/></style:tab-stops>
  </style:paragraph-properties>
 </style:style>
 <style:style style:name="Cell" style:family="paragraph">
  <style:text-properties fo:font-size="9.5pt"/>
 </style:style>
 <style:style style:name="Footnote" style:family="paragraph">
  <style:paragraph-properties fo:margin-left="0.5cm" fo:text-indent="-0.5cm"/>
  <style:text-properties fo:font-size="9pt"/>
 </style:style>
 <style:style style:name="Furniture" style:family="paragraph">
  <style:paragraph-properties>
   <style:tab-stops><style:tab-stop style:position="8.2cm" style:type="center"/>
    <style:tab-stop style:position="16.4cm" style:type="right"/></style:tab-stops>
  </style:paragraph-properties>
  <style:text-properties style:font-name="Liberation Sans" fo:font-size="8.5pt"
     fo:color="#444444"/>
 </style:style>
 <text:notes-configuration text:note-class="footnote" style:num-format="1"
    text:start-value="0" text:footnotes-position="page" text:start-numbering-at="document"/>
 <text:list-style style:name="Dots">
  <text:list-level-style-bullet text:level="1" text:bullet-char="•">
   <style:list-level-properties text:list-level-position-and-space-mode="label-alignment">
    <style:list-level-label-alignment text:label-followed-by="listtab"
       text:list-tab-stop-position="1.25cm" fo:text-indent="-0.6cm" fo:margin-left="1.25cm"/>
   </style:list-level-properties>
  </text:list-level-style-bullet>
 </text:list-style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="A4">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"
     fo:margin-top="1.5cm" fo:margin-bottom="1.5cm" fo:margin-left="2.3cm"
     fo:margin-right="2.3cm"/>
  <style:header-style><style:header-footer-properties fo:min-height="0.8cm"
     fo:margin-bottom="0.5cm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0.8cm"
     fo:margin-top="0.5cm"/></style:footer-style>
 </style:page-layout>
 <style:style style:name="CoverTitle" style:family="paragraph" style:parent-style-name="Title"
    style:master-page-name="Cover"/>
 <style:style style:name="TocHead" style:family="paragraph" style:parent-style-name="Heading"
    style:master-page-name="Standard"/>
 <style:style style:name="FirstBody" style:family="paragraph" style:parent-style-name="Heading">
  <style:paragraph-properties fo:break-before="page"/>
 </style:style>
 <style:style style:name="Sup" style:family="text">
  <style:text-properties style:text-position="super 58%"/>
 </style:style>
</office:automatic-styles>
"""


def _inline(text: str, review: ReviewSource) -> str:
    """Body text with ``[^n]`` marks turned into real footnotes."""
    out, last = [], 0
    for m in FOOTNOTE_MARK.finditer(text):
        out.append(escape(text[last:m.start()]))
        note = escape(review.footnotes.get(m.group(1), ""))
        out.append(
            f'<text:note text:id="ftn{m.group(1)}" text:note-class="footnote">'
            f"<text:note-citation>{escape(m.group(1))}</text:note-citation><text:note-body>"
            f'<text:p text:style-name="Footnote">{note}</text:p></text:note-body></text:note>')
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _label(review: ReviewSource) -> str:
    parts = review.page_label.replace("{total}", "\0T").replace("{n}", "\0N").split("\0")
    out = escape(parts[0])
    for part in parts[1:]:
        field = "<text:page-number text:select-page=\"current\"/>" if part[0] == "N" \
            else "<text:page-count/>"
        out += field + escape(part[1:])
    return out


def number_style(review: ReviewSource) -> str:
    """How this review prints paragraph numbers; fixed per review, varied across reviews."""
    return NUMBER_STYLES[zlib.crc32(review.doc_id.encode()) % len(NUMBER_STYLES)]


def _para(p: Paragraph, review: ReviewSource, style: str) -> str:
    body = _inline(p.text, review)
    if not p.no:
        return f'<text:p text:style-name="Body">{body}</text:p>'
    if style == "glued":
        return f'<text:p text:style-name="Body">{escape(p.no)}{body}</text:p>'
    no = p.no + ("." if style == "trailing_dot" else "")
    return f'<text:p text:style-name="Numbered">{escape(no)}<text:tab/>{body}</text:p>'


def _table(rows: list[Paragraph], review: ReviewSource) -> str:
    ncol = max(len(r.cells) for r in rows)
    cols = "".join("<table:table-column/>" for _ in range(ncol))
    body = ""
    for r in rows:
        cells = list(r.cells) + [""] * (ncol - len(r.cells))
        body += "<table:table-row>" + "".join(
            f'<table:table-cell office:value-type="string"><text:p text:style-name="Cell">'
            f"{_inline(c, review)}</text:p></table:table-cell>" for c in cells)
        body += "</table:table-row>"
    return f'<table:table table:name="T{id(rows)}">{cols}{body}</table:table>'


def to_fodt(review: ReviewSource) -> str:
    """The review as one flat ODF XML string."""
    style = number_style(review)
    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
    header = escape(review.header)
    footer = (f'<text:p text:style-name="Furniture">{escape(review.footer)}<text:tab/>'
              f"<text:tab/>{_label(review)}</text:p>")
    masters = (
        '<office:master-styles><style:master-page style:name="Standard" '
        'style:page-layout-name="A4"><style:header><text:p text:style-name="Furniture">'
        f"{header}</text:p></style:header><style:footer>{footer}</style:footer>"
        '</style:master-page><style:master-page style:name="Cover" style:page-layout-name="A4" '
        'style:next-style-name="Standard"/></office:master-styles>')
    parts = [f'<text:p text:style-name="CoverTitle">{escape(review.title)}</text:p>']
    for line in (review.subtitle, review.partnership, str(review.year), review.author):
        if line:
            parts.append(f'<text:p text:style-name="Sub">{escape(line)}</text:p>')
    parts.append('<text:p text:style-name="TocHead">Contents</text:p>')
    for i, s in enumerate(review.sections, 3):
        num = f"{s.number}. " if s.number else ""
        parts.append(f'<text:p text:style-name="Toc">{escape(num + s.heading)}<text:tab/>'
                     f"{i}</text:p>")
    for k, s in enumerate(review.sections):
        num = f"{s.number}. " if s.number else ""
        head_style = "FirstBody" if k == 0 else "Heading"
        parts.append(f'<text:p text:style-name="{head_style}">{escape(num + s.heading)}</text:p>')
        rows: list[Paragraph] = []
        bullets: list[Paragraph] = []
        for p in list(s.paragraphs) + [None]:
            if rows and (p is None or p.kind != "table_row"):
                parts.append(_table(rows, review))
                rows = []
            if bullets and (p is None or p.kind != "bullet"):
                parts.append('<text:list text:style-name="Dots">' + "".join(
                    f'<text:list-item><text:p text:style-name="Bullet">{_inline(b.text, review)}'
                    "</text:p></text:list-item>" for b in bullets) + "</text:list>")
                bullets = []
            if p is None:
                break
            if p.kind == "table_row":
                rows.append(p)
            elif p.kind == "bullet":
                bullets.append(p)
            else:
                parts.append(_para(p, review, style))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {ns} office:version="1.3" '
            f'office:mimetype="application/vnd.oasis.opendocument.text">{_STYLES}{masters}'
            f"<office:body><office:text>{''.join(parts)}</office:text></office:body>"
            "</office:document>")


def render_fodt_pdf(review: ReviewSource, out: str | Path) -> Path:
    """Write the .fodt and convert it with headless LibreOffice; returns the PDF path."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise RuntimeError("LibreOffice is needed to build word-processor fixtures: "
                           "apt-get install -y libreoffice-writer-nogui")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{out.stem}.fodt"
        src.write_text(to_fodt(review), encoding="utf-8")
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=180)
        shutil.move(str(Path(tmp) / f"{out.stem}.pdf"), out)
    return out
