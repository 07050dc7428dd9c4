"""Retraining from newly labelled passages: every format trains, the model learns the new
labels, the comparison is made on the same folds, and the default changes only on request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline import store
from pipeline.cli import main
from pipeline.evaluate import matrix
from pipeline.formats import load_labelled, read_labelled
from pipeline.store import ModelIntegrityError, load_model, read_card
from pipeline.train import (
    CORPUS_PASSAGES,
    doc_ids_of,
    evaluate_on,
    review_order,
    set_default,
    train_and_save,
)

FIXTURES = Path(__file__).parent / "fixtures" / "labelled"
FORMATS = {"codebook.jsonl": "codebook-jsonl", "prodigy.jsonl": "prodigy",
           "doccano.jsonl": "doccano", "label_studio.json": "label-studio", "labels.csv": "csv"}
FAST = {"threshold_folds": 2}


def _seed_subset(step: int) -> list:
    return [p for p in read_labelled(CORPUS_PASSAGES)[1] if p.meta.get("split") == "train"][::step]


@pytest.fixture(scope="module")
def baseline_dir(tmp_path_factory) -> Path:
    """A stand-in for the current default: a small model trained on part of the seed corpus."""
    out = tmp_path_factory.mktemp("models") / "current"
    train_and_save(_seed_subset(9), out, params=FAST, cv=False, log=lambda _m: None)
    return out


def _exact_rows(model, passages) -> np.ndarray:
    y = matrix([p.labels for p in passages])
    pred = model.predict([p.text for p in passages], doc_ids_of(passages))
    return (pred == y).all(axis=1)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_retraining_from_each_format_changes_predictions_on_the_new_examples(
        name: str, baseline_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "new"
    assert main(["train", str(FIXTURES / name), "--no-base", "--no-cv", "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert f"({FORMATS[name]})" in stdout and "default model is unchanged" in stdout
    new, card = load_model(out)
    old, _ = load_model(baseline_dir)
    passages = load_labelled(FIXTURES / name).passages
    assert card["training_data"]["passages"] == len(passages) == 30
    texts, docs = [p.text for p in passages], doc_ids_of(passages)
    changed = (new.predict(texts, docs) != old.predict(texts, docs)).any(axis=1)
    new_right, old_right = _exact_rows(new, passages), _exact_rows(old, passages)
    assert changed.sum() >= 3
    assert new_right.mean() >= 0.9 and new_right.mean() > old_right.mean()
    assert (new_right & ~old_right).sum() >= 3, "the changes are towards the new labels"


def test_unknown_label_is_refused_by_train(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,labels\nA passage about a baby.,missed_opportunity\n"
                    "Another passage.,parental_mental_health\n")
    assert main(["train", str(path), "--no-base", "--no-cv", "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: line 3" in err and "parental_mental_health" in err
    assert not (tmp_path / "m").exists()


def test_cli_compares_with_the_current_model_on_the_same_folds(
        baseline_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "new"
    assert main(["train", str(FIXTURES / "codebook.jsonl"), "--no-base", "--compare-to",
                 str(baseline_dir), "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "comparison with current on the same folds" in stdout
    comparison = read_card(out)["metrics"]["comparison"]
    passages = load_labelled(FIXTURES / "codebook.jsonl").passages
    passages = [passages[i] for i in review_order(passages)]  # as train reads them
    # the current model's side is its own predictions on the very same passages
    direct = evaluate_on(load_model(baseline_dir)[0], passages)
    for label, row in comparison["all"]["labels"].items():
        assert row["baseline_f1"] == direct["labels"][label]["f1"]
        assert row["delta"] == pytest.approx(row["new_f1"] - row["baseline_f1"], abs=1e-4)
        assert f"{label:<24}{row['baseline_f1']:>9.3f}{row['new_f1']:>9.3f}" in stdout
    assert comparison["all"]["n_passages"] == 30
    assert comparison["baseline_artefacts"] == read_card(baseline_dir)["artefacts"]


def test_every_trained_model_gets_a_readme_card_with_the_cards_figures(
        baseline_dir: Path) -> None:
    card = read_card(baseline_dir)
    readme = (baseline_dir / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# Model card: `{card['model_id']}`")
    for label, threshold in card["thresholds"].items():
        assert f"| `{label}` | {threshold:.2f} |" in readme
    assert f"{card['training_data']['passages']:,} passages" in readme
    assert "only load model folders" in readme  # the pickle warning travels with the model


def test_comparison_separates_newly_labelled_passages(baseline_dir: Path, tmp_path: Path) -> None:
    seed = _seed_subset(24)
    new = load_labelled(FIXTURES / "codebook.jsonl").passages
    card = train_and_save(seed + new, tmp_path / "m", params=FAST,
                          baseline=load_model(baseline_dir), new_mask=[False] * len(seed)
                          + [True] * len(new), log=lambda _m: None)
    comparison = card["metrics"]["comparison"]
    assert comparison["all"]["n_passages"] == len(seed) + len(new)
    assert comparison["new_data"]["n_passages"] == len(new)
    assert "cv_by_review" in card["metrics"]


def test_default_is_replaced_only_when_asked(baseline_dir: Path, tmp_path: Path, monkeypatch,
                                             capsys) -> None:
    default = tmp_path / "models" / "default"
    shutil.copytree(baseline_dir, default)
    monkeypatch.setattr(store, "DEFAULT_MODEL_DIR", default)
    before = (default / "card.json").read_bytes()
    data = str(FIXTURES / "labels.csv")
    assert main(["train", data, "--no-base", "--no-cv", "--out", str(tmp_path / "a")]) == 0
    assert (default / "card.json").read_bytes() == before

    assert main(["train", data, "--no-base", "--no-cv", "--out", str(tmp_path / "b"),
                 "--set-default"]) == 0
    assert "is now the default model" in capsys.readouterr().out
    assert (default / "card.json").read_bytes() == (tmp_path / "b" / "card.json").read_bytes()
    model, card = load_model()  # the hash check passes on the swapped-in folder
    assert card["model_id"] == "b" and model.model_id == "b"
    assert sorted(p.name for p in default.parent.iterdir()) == ["default"], "no leftovers"


def test_tampered_artefact_is_refused(baseline_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "m"
    shutil.copytree(baseline_dir, model)
    with open(model / "model.joblib", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelIntegrityError, match="does not match the card"):
        load_model(model)
    default = tmp_path / "default"
    shutil.copytree(baseline_dir, default)
    with pytest.raises(ModelIntegrityError):
        set_default(model, default)
    load_model(default)  # the old default is untouched


class _GoneFromThisVersion:
    """Stands in for a class an older cspr pickled into its model."""


def test_model_from_other_code_gets_a_clear_error_and_train_still_runs(
        tmp_path: Path, monkeypatch, capsys) -> None:
    import pipeline.model

    monkeypatch.setattr(pipeline.model, "_GoneFromThisVersion", _GoneFromThisVersion,
                        raising=False)
    _GoneFromThisVersion.__module__ = "pipeline.model"
    store.save_model(_GoneFromThisVersion(), tmp_path / "old", {"model_id": "old"})
    monkeypatch.delattr(pipeline.model, "_GoneFromThisVersion")
    with pytest.raises(store.ModelVersionError, match="retrain it with `cspr train`"):
        load_model(tmp_path / "old")
    fixture = str(FIXTURES / "codebook.jsonl")
    monkeypatch.setattr(store, "DEFAULT_MODEL_DIR", tmp_path / "old")
    assert main(["train", fixture, "--no-base", "--out", str(tmp_path / "new")]) == 0
    assert "no comparison with the current default" in capsys.readouterr().err
    assert main(["train", fixture, "--no-base", "--out", str(tmp_path / "new2"),
                 "--compare-to", str(tmp_path / "old")]) == 2
    assert "cannot be loaded by this version" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["label_studio.json", "labels.csv"])
def test_evaluate_reads_every_format(name: str, baseline_dir: Path, capsys) -> None:
    assert main(["evaluate", str(FIXTURES / name), "--model", str(baseline_dir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_passages"] == 30 and 0 <= result["macro_f1"] <= 1
    assert set(result["labels"]["missed_opportunity"]) >= {"precision", "recall", "f1", "kappa"}


def test_a_model_this_code_cannot_run_is_not_compared_but_training_goes_on(tmp_path) -> None:
    class Stale:  # e.g. a default model saved before the feature set changed
        def predict_proba(self, texts, doc_ids):
            raise ValueError("X has 46 features, but MaxAbsScaler is expecting 28")

    messages: list[str] = []
    card = train_and_save(load_labelled(FIXTURES / "codebook.jsonl").passages, tmp_path / "m",
                          params=FAST, baseline=(Stale(), {"model_id": "stale"}),
                          log=messages.append)
    assert "comparison" not in card["metrics"] and "cv_by_review" in card["metrics"]
    assert any("cannot score passages" in m for m in messages)


def test_held_out_styles_never_trained_on_are_scored_on_their_own(tmp_path: Path) -> None:
    """The targets are set on reviews in house styles the model never saw: the card scores
    those test passages apart from test reviews in familiar styles."""
    train = _seed_subset(6)
    test = [p for p in read_labelled(CORPUS_PASSAGES)[1] if p.meta.get("split") == "test"]
    seen = {p.meta["style"] for p in train}
    unseen = [p for p in test if p.meta["style"] not in seen]
    assert 0 < len(unseen) < len(test)
    card = train_and_save(train, tmp_path / "m", test=test, params=FAST, cv=False,
                          log=lambda _m: None)
    metrics = card["metrics"]
    assert metrics["held_out_test"]["n_passages"] == len(test)
    assert metrics["held_out_unseen_styles"]["n_passages"] == len(unseen)
    assert metrics["held_out_unseen_styles"] == evaluate_on(load_model(tmp_path / "m")[0], unseen)
    assert metrics["keyword_held_out_unseen_styles"]["n_passages"] == len(unseen)
    readme = (tmp_path / "m" / "README.md").read_text(encoding="utf-8")
    figure = f"{metrics['held_out_unseen_styles']['macro_f1']:.3f}"
    assert f"house styles never trained on ({len({p.doc_id for p in unseen})} reviews" in readme
    assert f"macro-F1 {figure} is short of" in readme  # targets judged on the strictest split
