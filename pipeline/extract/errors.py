"""Why an input could not be read, as a machine-readable ``kind``."""

from __future__ import annotations

KINDS = (
    "empty_file",
    "not_pdf",
    "corrupt_pdf",
    "encrypted",
    "no_pages",
    "no_text_layer",
    "unreadable_path",
    "timeout",
    "internal_error",
)


class ExtractionError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
