"""PDF → ``Document`` of pages of positioned lines.

Layout logic (furniture, columns, footnotes) lives in ``segment`` and works on
positioned lines, whichever engine made them.
"""

from pipeline.extract.errors import ExtractionError
from pipeline.extract.pdfium import extract_pdf as extract

__all__ = ["ExtractionError", "extract"]
