"""cspr: theme-code child safeguarding practice reviews.

The library API the ``cspr`` command and notebooks share.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from pipeline.records import LABELS  # noqa: E402

if TYPE_CHECKING:
    from pipeline.results import Results, load_results

__all__ = ["LABELS", "Results", "__version__", "load_results"]


def __getattr__(name: str) -> Any:
    """``load_results``/``Results`` import pandas, so load them on first use, not with cspr."""
    if name in ("load_results", "Results"):
        from pipeline import results

        return getattr(results, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
