"""cspr: theme-code child safeguarding practice reviews.

The library API the ``cspr`` command and notebooks share.
"""

__version__ = "0.1.0"

from pipeline.records import LABELS  # noqa: E402

__all__ = ["LABELS", "__version__"]
