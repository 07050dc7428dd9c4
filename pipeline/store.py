"""Model folders: artefacts plus a card that records their sha256.

A joblib file is a pickle, and loading a pickle runs code. ``load_model`` therefore
hashes every artefact and refuses to unpickle anything whose hash differs from the
card; only load model folders you trust.
"""

from __future__ import annotations

import datetime as dt
import pickle
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib

from pipeline.io import read_json, sha256_file, write_json
from pipeline.modelcard import write_readme

CARD = "card.json"
ARTEFACT = "model.joblib"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"


class ModelIntegrityError(RuntimeError):
    """The model folder is missing files or an artefact does not match its card."""


class ModelVersionError(ModelIntegrityError):
    """The model was pickled by code this version of cspr no longer has."""


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("cspr", "scikit-learn", "spacy", "numpy", "scipy", "joblib", "pdfplumber",
                 "pypdfium2", "pandas"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def save_model(model: Any, out_dir: str | Path, card: dict[str, Any]) -> dict[str, Any]:
    """Write the model and its card; returns the card as written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{ARTEFACT}.tmp"
    joblib.dump(model, tmp, compress=3)
    tmp.replace(out / ARTEFACT)
    card = {
        **card,
        "model_id": card.get("model_id") or getattr(model, "model_id", out.name),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "artefacts": {ARTEFACT: sha256_file(out / ARTEFACT)},
    }
    write_json(out / CARD, card)
    write_readme(out)
    return card


def read_card(model_dir: str | Path) -> dict[str, Any]:
    path = Path(model_dir) / CARD
    if not path.is_file():
        raise ModelIntegrityError(f"{model_dir}: no {CARD}; is this a cspr model folder?")
    return read_json(path)


def verify_model(model_dir: str | Path | None = None) -> dict[str, Any]:
    """The model's card, after checking every artefact's sha256 against it (no unpickling)."""
    model_dir = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
    card = read_card(model_dir)
    artefacts = card.get("artefacts") or {}
    if ARTEFACT not in artefacts:
        raise ModelIntegrityError(f"{model_dir}/{CARD} lists no {ARTEFACT} hash; refusing to load")
    for name, expected in artefacts.items():
        path = model_dir / name
        if not path.is_file():
            raise ModelIntegrityError(f"{path}: artefact listed in the card is missing")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelIntegrityError(
                f"{path}: sha256 {actual[:12]}… does not match the card ({expected[:12]}…). "
                "The file was changed after training; refusing to load it, because loading "
                "a joblib file runs code. Retrain, or restore the original file."
            )
    return card


def load_model(model_dir: str | Path | None = None) -> tuple[Any, dict[str, Any]]:
    """Load a model after checking every artefact's sha256 against its card."""
    model_dir = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
    card = verify_model(model_dir)
    try:
        model = joblib.load(model_dir / ARTEFACT)
    except (AttributeError, ImportError, pickle.UnpicklingError) as exc:
        made_with = (card.get("versions") or {}).get("cspr", "?")
        raise ModelVersionError(
            f"{model_dir}: the model was saved by other cspr code (its card says cspr "
            f"{made_with}) and cannot be loaded by this version ({type(exc).__name__}: {exc}); "
            "retrain it with `cspr train`") from exc
    model.model_id = card.get("model_id", model_dir.name)
    return model, card
