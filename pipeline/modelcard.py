"""A model folder's README: the model card in words, written from ``card.json``.

Every model ``cspr train`` writes gets one, and its figures cannot drift from the card
because they are read from it (plus the folder's ``comparison.json`` and
``selection.json`` when ``python -m pipeline.compare`` has written them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.io import read_json, write_text
from pipeline.records import LABELS

README = "README.md"
TARGET_MACRO, TARGET_LABEL = 0.90, 0.85


def _f(x: float) -> str:
    return f"{x:.3f}"


def _what_it_is(params: dict[str, Any]) -> str:
    parts = [f"one logistic regression per label (C={params.get('C', 8.0):g}) over word"
             + (" and word-pair" if params.get("ngram_max", 1) >= 2 else "") + " TF-IDF"]
    if params.get("char_ngrams"):
        parts.append("character 3-5-gram TF-IDF")
    if params.get("lexicon", True):
        parts.append("codebook lexicon and context features (whose mental health a sentence "
                     "is about; concepts of the neighbouring passages)")
    if params.get("sentence_scores"):
        parts.append(f"pooled sentence scores (a logistic regression per label over single "
                     f"sentences, C={params.get('sentence_C', 4.0):g}; best and mean per "
                     "passage, out of fold on the training reviews)")
    text = ", ".join(parts[:-1]) + (", and " if len(parts) > 1 else "") + parts[-1] + "."
    if params.get("review_scores"):
        text += (" Each passage's scores are then read again beside its review's mean and "
                 f"top-five scores (a logistic regression per label, C="
                 f"{params.get('review_C', 0.1):g}, learnt from out-of-fold scores).")
    if params.get("gate_preschool", True):
        text += (" `preschool_parental_mh` is a parental-mental-health score multiplied by "
                 "a gate on the review's child being under five, detected from the whole "
                 "review.")
    return text + (" Thresholds are chosen per label on out-of-fold predictions over the "
                   "training reviews (folds grouped by review).")


def _metrics_table(card: dict[str, Any]) -> str:
    m = card.get("metrics") or {}
    held, cv = m.get("held_out_test"), m.get("cv_by_review")
    kw = m.get("keyword_held_out_test") if held else m.get("keyword_cv_by_review")
    main = held or cv
    thresholds = card.get("thresholds") or {}
    if main:
        where = "the held-out test split" if held else "grouped 5-fold CV by review (train split)"
        rows = [f"Measured on {where}.", ""]
    else:
        rows = ["No metrics were measured for this model (trained with `--no-cv` and no test "
                "split); its decision thresholds:", ""]
    ci = (main or {}).get("intervals") or {}
    rows += ["| label | threshold | precision | recall | F1 | F1 95% interval | keyword coder F1 |",
             "|---|---|---|---|---|---|---|"]
    for lab in LABELS:
        t = f"{thresholds[lab]:.2f}" if lab in thresholds else ""
        r = main["labels"][lab] if main else None
        figures = (f"{_f(r['precision'])} | {_f(r['recall'])} | {_f(r['f1'])}" if r
                   else " | | ")
        kw_f1 = _f(kw["labels"][lab]["f1"]) if kw else ""
        rows.append(f"| `{lab}` | {t} | {figures} | {_interval(ci.get('labels', {}).get(lab))}"
                    f" | {kw_f1} |")
    if main:
        rows.append(f"| **macro** | | | | **{_f(main['macro_f1'])}** | "
                    f"{_interval(ci.get('macro_f1'))} | {_f(kw['macro_f1']) if kw else ''} |")
    if ci:
        rows += ["", f"Intervals: {ci['level']:.0%} percentile bootstrap over whole reviews "
                     f"({ci['reviews']} reviews, {ci['resamples']:,} resamples); a review's "
                     "passages are not independent, so passages are never resampled alone."]
    if unseen := m.get("held_out_unseen_styles"):
        rows += ["", _unseen_line(unseen, m.get("keyword_held_out_unseen_styles"))]
    if held and cv:
        rows += ["", f"Grouped 5-fold CV by review on the training data: macro-F1 "
                     f"{_f(cv['macro_f1'])}."]
    if main and "reliability" in main:
        rows += ["", f"Expected calibration error {main['reliability']['ece']:.3f} "
                     "(reliability table in `card.json`)."]
    if main and (check := main.get("check")):
        margin = (card.get("params") or {}).get("check_margin", 0.1)
        rows += ["", f"The \"check\" flag (a score within {margin:g} of its threshold)"
                     f" marks {check['decisions_flagged']:.1%} of label "
                     f"decisions and {check['errors_flagged']:.0%} of the wrong ones: "
                     f"{check['error_rate_flagged']:.0%} of flagged decisions are wrong, "
                     f"{check['error_rate_unflagged']:.1%} of the rest. Read flagged "
                     "passages first."]
        wider = [c for c in main.get("check_curve", []) if c["margin"] > margin]
        if wider:
            rows[-1] += (" A wider band around the thresholds (from the scores): "
                         + "; ".join(f"{c['margin']:g} marks {c['decisions_flagged']:.1%} "
                                     f"and holds {c['errors_flagged']:.0%} of the errors"
                                     for c in wider) + ".")
    return "\n".join(rows)


def _interval(bounds: list[float] | None) -> str:
    return f"{_f(bounds[0])} to {_f(bounds[1])}" if bounds else ""


def _comparison_table(comparison: dict[str, Any]) -> str:
    head = ("| candidate | held-out macro-F1 (95% interval) | "
            + " | ".join(f"`{lab}`" for lab in LABELS)
            + " | held-out macro-F1 minus the default's (paired 95% interval) "
            "| CV by house style macro-F1 | passages/s |")
    rows = [head, "|" + "---|" * (len(LABELS) + 5)]
    for name, r in comparison.items():
        held = r["held_out_test"]
        bounds = (held.get("intervals") or {}).get("macro_f1")
        macro = _f(held["macro_f1"]) + (f" ({_interval(bounds)})" if bounds else "")
        rows.append(f"| {name} | {macro} | "
                    + " | ".join(_f(held["labels"][lab]["f1"]) for lab in LABELS)
                    + f" | {_difference(r)} "
                    f"| {_f(r['cv_by_house_style']['macro_f1'])} | "
                    f"{r['passages_per_second']:,} |")
    return "\n".join(rows)


def _difference(row: dict[str, Any]) -> str:
    """The row's held-out macro-F1 gap to the default, with its paired interval; blank for
    the default itself and for comparisons written before the gap was recorded."""
    gap = (row.get("held_out_vs_default") or {}).get("macro_f1") or {}
    bounds = gap.get("delta_interval")
    if not bounds or bounds == [0.0, 0.0]:
        return ""
    return f"{gap['delta']:+.3f} ({bounds[0]:+.3f} to {bounds[1]:+.3f})"


def _selection_table(selection: dict[str, Any]) -> str:
    keys = list(selection["grid"][0]["params"])
    rows = ["| " + " | ".join(keys) + " | CV by house style macro-F1 | passages/s |",
            "|" + "---|" * (len(keys) + 2)]
    for g in selection["grid"]:
        speed = f"{g['passages_per_second']:,}" if "passages_per_second" in g else ""
        rows.append("| " + " | ".join(str(g["params"][k]) for k in keys)
                    + f" | {g['macro_f1']:.4f} | {speed} |")
    chosen = ", ".join(f"{k}={v}" for k, v in selection["chosen"]["params"].items())
    return "\n".join(rows) + f"\n\nRule: {selection['rule']}. Chosen: {chosen}."


def _unseen_line(unseen: dict[str, Any], kw: dict[str, Any] | None) -> str:
    ci = unseen.get("intervals") or {}
    labels = ", ".join(f"`{lab}` {_f(unseen['labels'][lab]['f1'])}" for lab in LABELS)
    keyword = f"; keyword coder {_f(kw['macro_f1'])}" if kw else ""
    return (f"On the test reviews in house styles never trained on ({ci.get('reviews', '?')} "
            f"reviews, {unseen['n_passages']:,} passages), the strictest figure: macro-F1 "
            f"{_f(unseen['macro_f1'])} (95% interval {_interval(ci.get('macro_f1'))}; "
            f"{labels}){keyword}.")


def _shortfalls(card: dict[str, Any]) -> str:
    """Targets are judged on held-out reviews in held-out styles where the card has them."""
    metrics = card.get("metrics") or {}
    unseen = metrics.get("held_out_unseen_styles")
    held = unseen or metrics.get("held_out_test")
    if not held:
        return ""
    where = "test reviews in unseen house styles" if unseen else "held-out test split"
    low = [f"`{lab}` {held['labels'][lab]['f1']:.3f}" for lab in LABELS
           if held["labels"][lab]["f1"] < TARGET_LABEL]
    notes = []
    if held["macro_f1"] < TARGET_MACRO:
        notes.append(f"macro-F1 {_f(held['macro_f1'])} is short of the {TARGET_MACRO:.2f} aimed at")
    if low:
        notes.append(f"below {TARGET_LABEL:.2f}: {', '.join(low)}")
    return (f"- Targets ({where}): " + "; ".join(notes) + ".\n") if notes else ""


def render(card: dict[str, Any], comparison: dict[str, Any] | None = None,
           selection: dict[str, Any] | None = None) -> str:
    td, test = card.get("training_data"), card.get("test_data")
    out = [
        f"# Model card: `{card.get('model_id', '?')}`", "",
        "Written by cspr from `card.json`, which also holds the parameters, the training and "
        "test data's hashes and label counts, every metric, the library versions and the "
        "sha256 of `model.joblib` (checked before it is unpickled: only load model folders "
        "from people you trust).", "",
    ]
    if card.get("kind") == "ThemeModel":
        out.append("- **What it is**: `pipeline.model.ThemeModel`: "
                   + _what_it_is(card.get("params") or {}))
    if td:
        counts = ", ".join(f"{lab} {td['label_counts'][lab]:,}" for lab in LABELS)
        out.append(f"- **Trained on**: {td['passages']:,} passages from {td['reviews']} "
                   f"reviews ({counts}; {td['no_label']:,} with no label); data sha256 "
                   f"`{td['sha256'][:16]}…`.")
    if test:
        out.append(f"- **Scored on**: a held-out split of {test['passages']:,} passages from "
                   f"{test['reviews']} reviews, never trained on and never used to choose "
                   "anything.")
    out += [
        "- **Intended use**: finding and counting passages on the Panel's three 2023-24 "
        "themes and on missed opportunities across many reviews, with a person reading the "
        "coded passages (those flagged `check` first). Not for decisions about individual "
        "children or professionals.",
        f"- **Created** {card.get('created', '?')} with cspr "
        f"{(card.get('versions') or {}).get('cspr', '?')}.", "",
        "## Quality", "", _metrics_table(card), "",
    ]
    if comparison:
        out += ["## Why this model", "",
                "Each candidate trained on the train split, scored by 5-fold CV grouped by "
                "house style (train split) and on the held-out test split "
                "(`python -m pipeline.compare`; passages/s measured while another candidate "
                "trained, so compare within the column):", "", _comparison_table(comparison), "",
                "The intervals resample whole held-out reviews (2,000 times). The gap to the "
                "default scores both codings on the same resamples, so a gap whose interval "
                "lies below zero holds across reviews, even where the two macro-F1 intervals "
                "overlap.", "",
                "The default's row is the comparison's own fit; `cspr train` orders passages "
                "by review before the grouped folds that tune thresholds, so this model's "
                "figures above can differ from that row in the third decimal.", ""]
    if selection:
        out += ["## Settings", "",
                "Chosen on the train split only (`python -m pipeline.compare --select`), by "
                "5-fold CV grouped by house style:", "", _selection_table(selection), ""]
    out += ["## Limits", "",
            _shortfalls(card)
            + "- The seed corpus is fictional, written by AI agents (`corpus/README.md`); real "
            "reviews are longer, messier and mostly unlabelled, so expect lower precision.\n"
            "- Commonest errors: implicit criticism without cue words, reviewer hindsight that "
            "stops short of criticism, and passages whose theme is carried by the rest of the "
            "review.\n"
            "- The preschool gate needs the review to state the child's age, school year or a "
            "phrase like \"a baby\"; when none is found it uses the training prior and "
            "`documents.jsonl` shows `child_age_band: null`.", ""]
    return "\n".join(out)


def write_readme(model_dir: str | Path) -> Path:
    """(Re)write the folder's README from its card and comparison/selection files."""
    folder = Path(model_dir)
    extra = {name: read_json(folder / f"{name}.json") if (folder / f"{name}.json").is_file()
             else None for name in ("comparison", "selection")}
    path = folder / README
    write_text(path, render(read_json(folder / "card.json"), **extra))
    return path
