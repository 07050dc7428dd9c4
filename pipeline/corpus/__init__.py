"""The fictional review corpus: sources in, labelled passages, checks and PDFs out."""

from pipeline.corpus.sources import ReviewSource, load_sources

__all__ = ["ReviewSource", "load_sources"]
