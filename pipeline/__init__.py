"""cspr: theme-code child safeguarding practice reviews.

The library API the ``cspr`` command and notebooks share::

    from pipeline import run, load_results, load_model
    run(["reviews/"], "out/")                 # what `cspr run reviews/ --out out/` does
    res = load_results("out/")                # pandas DataFrames
    model, card = load_model()                # the default model, hash-checked

Heavy modules (pandas, scikit-learn, spaCy) load on first use, so ``import pipeline``
and ``cspr --help`` stay fast.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

from pipeline.records import LABELS  # noqa: E402

if TYPE_CHECKING:
    from pipeline.batch import run
    from pipeline.classify import classify_records
    from pipeline.model import ThemeModel
    from pipeline.results import Results, load_results
    from pipeline.store import load_model

_LAZY = {
    "load_results": "pipeline.results",
    "Results": "pipeline.results",
    "run": "pipeline.batch",
    "load_model": "pipeline.store",
    "ThemeModel": "pipeline.model",
    "classify_records": "pipeline.classify",
}

__all__ = ["LABELS", "Results", "ThemeModel", "__version__", "classify_records",
           "load_model", "load_results", "run"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
