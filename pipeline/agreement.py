"""Inter-coder agreement between two labellings of the same passages.

Reports what NVivo's coding comparison reports, per label: percent agreement, Cohen's
kappa, and how many passages only one coder gave the label (each direction), so that
a team can see not just how much it disagrees but which way. The corpus's published
inter-coder figures come from ``compare_codings``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.evaluate import cohen_kappa, matrix
from pipeline.formats import load_labelled, text_key
from pipeline.records import LABELS, LabelledPassage

MATCH_KEYS = ("id", "doc_text", "text")


def _key(p: LabelledPassage, how: str) -> tuple[str, ...]:
    if how == "id":
        return (str(p.meta.get("id")),)
    if how == "doc_text":
        return (p.doc_id or "", text_key(p.text))
    return (text_key(p.text),)


def _usable(a: Sequence[LabelledPassage], b: Sequence[LabelledPassage], how: str) -> bool:
    """Whether every record on both sides has what ``how`` needs, and ids mean the same text.

    Tools number tasks per project, so two coders' ids can coincide for different
    passages, or not coincide at all; ids are only trusted when every pair they make
    has the same text and they pair at least as many records as the text does.
    """
    if how == "id":
        if not all(p.meta.get("id") is not None for p in (*a, *b)):
            return False
        texts = {_key(p, "id"): text_key(p.text) for p in a}
        paired = [p for p in b if _key(p, "id") in texts]
        by_text = {text_key(p.text) for p in a} & {text_key(p.text) for p in b}
        return (all(texts[_key(p, "id")] == text_key(p.text) for p in paired)
                and len(paired) >= len(by_text) and bool(paired))
    if how == "doc_text":
        return all(p.doc_id for p in (*a, *b))
    return True


def choose_match(a: Sequence[LabelledPassage], b: Sequence[LabelledPassage]) -> str:
    """``id`` if both sides have consistent ids, else ``doc_text`` if both have doc_ids, else
    ``text``."""
    return next(how for how in MATCH_KEYS if _usable(a, b, how))


def _latest(passages: Sequence[LabelledPassage], how: str
            ) -> dict[tuple[str, ...], LabelledPassage]:
    """One record per match key; a coder's later labelling of the same passage wins."""
    out: dict[tuple[str, ...], LabelledPassage] = {}
    for p in passages:
        out.pop(_key(p, how), None)
        out[_key(p, how)] = p
    return out


def compare_codings(a: Sequence[LabelledPassage], b: Sequence[LabelledPassage],
                    match: str = "auto", names: tuple[str, str] = ("A", "B")
                    ) -> dict[str, Any]:
    """Per-label agreement of coders A and B over the passages both labelled.

    ``match`` is ``auto`` (see ``choose_match``), ``id``, ``doc_text`` or ``text``.
    Records of one side with the same key are resolved first (the later labelling wins).
    """
    how = choose_match(a, b) if match == "auto" else match
    if how not in MATCH_KEYS:
        raise ValueError(f"match must be auto or one of {MATCH_KEYS}, not {match!r}")
    if how == "id" and not _usable(a, b, "id"):
        raise ValueError("cannot match by id: some records have no 'id', or one id names "
                         "different texts in the two files")
    index_a, index_b = _latest(a, how), _latest(b, how)
    duplicates = {names[0]: len(a) - len(index_a), names[1]: len(b) - len(index_b)}
    pairs, only_a = [], []
    for key, p in index_a.items():
        q = index_b.pop(key, None)
        if q is None:
            only_a.append(p)
        else:
            pairs.append((p, q))
    only_b = list(index_b.values())
    ya = matrix([p.labels for p, _ in pairs]).reshape(len(pairs), len(LABELS))
    yb = matrix([q.labels for _, q in pairs]).reshape(len(pairs), len(LABELS))
    na, nb = names
    per_label = {}
    for j, label in enumerate(LABELS):
        x, y = ya[:, j].astype(bool), yb[:, j].astype(bool)
        n = len(x)
        counts = {"both": int(np.sum(x & y)), "neither": int(np.sum(~x & ~y)),
                  f"{na}_only": int(np.sum(x & ~y)), f"{nb}_only": int(np.sum(~x & y))}
        per_label[label] = {
            "agreement_pct": round(100.0 * float(np.mean(x == y)), 2) if n else None,
            "kappa": round(cohen_kappa(x, y), 4) if n else None,
            **counts,
        }
    exact = float(np.mean(np.all(ya == yb, axis=1))) if pairs else None
    kappas = [m["kappa"] for m in per_label.values() if m["kappa"] is not None]
    return {
        "coders": list(names),
        "matched_by": how,
        "matched": len(pairs),
        "unmatched": {na: len(only_a), nb: len(only_b)},
        "duplicates_resolved": duplicates,
        "unmatched_examples": {na: [p.text[:80] for p in only_a[:5]],
                               nb: [p.text[:80] for p in only_b[:5]]},
        "labels": per_label,
        "mean_kappa": round(float(np.mean(kappas)), 4) if kappas else None,
        "identical_label_sets_pct": round(100 * exact, 2) if exact is not None else None,
    }


def compare_files(path_a: str | Path, path_b: str | Path, match: str = "auto"
                  ) -> dict[str, Any]:
    """``compare_codings`` for two labelled files in any format ``cspr train`` reads."""
    a, b = load_labelled(path_a), load_labelled(path_b)
    names = (Path(path_a).stem, Path(path_b).stem)
    if names[0] == names[1]:
        names = (str(path_a), str(path_b))
    result = compare_codings(a.passages, b.passages, match=match, names=names)
    result["files"] = {names[0]: {"path": str(path_a), "format": a.format,
                                  "passages": len(a.passages)},
                       names[1]: {"path": str(path_b), "format": b.format,
                                  "passages": len(b.passages)}}
    return result


def format_agreement(result: dict[str, Any]) -> str:
    """The table NVivo users expect: agreement %, kappa, and each disagreement direction."""
    na, nb = result["coders"]
    lines = [f"{na} vs {nb}: {result['matched']} passages matched by {result['matched_by']}"]
    un = result["unmatched"]
    if un[na] or un[nb]:
        lines.append(f"unmatched: {un[na]} only in {na}, {un[nb]} only in {nb}")
        for who in (na, nb):
            for text in result["unmatched_examples"][who][:3]:
                lines.append(f"  only in {who}: {text!r}")
    w = max(len(na), len(nb)) + 6
    lines.append(f"{'label':<24}{'agree%':>8}{'kappa':>8}{'both':>6}{'neither':>9}"
                 f"{na + ' only':>{w}}{nb + ' only':>{w}}")
    for label, m in result["labels"].items():
        if m["kappa"] is None:
            lines.append(f"{label:<24}{'-':>8}{'-':>8}")
            continue
        lines.append(f"{label:<24}{m['agreement_pct']:>8.1f}{m['kappa']:>8.3f}{m['both']:>6}"
                     f"{m['neither']:>9}{m[f'{na}_only']:>{w}}{m[f'{nb}_only']:>{w}}")
    if result["mean_kappa"] is not None:
        lines.append(f"mean kappa {result['mean_kappa']:.3f}; identical label sets on "
                     f"{result['identical_label_sets_pct']:.1f}% of passages")
    return "\n".join(lines)
