"""Codebook concepts as compiled patterns (the patterns live in data/lexicon.json)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

CONCEPTS: tuple[str, ...] = (
    "mh_condition", "child_mh_service", "adult_mh_service", "parent_role", "child_ref",
    "young_child", "efh", "family_abuse", "mo_cue", "forward_looking", "good_practice",
    "statutory",
)


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern[str]]:
    raw = json.loads(resources.files("pipeline").joinpath("data/lexicon.json").read_text("utf-8"))
    return {
        c: re.compile(r"(?<![\w-])(?:" + "|".join(raw[c]) + r")(?![\w])", re.IGNORECASE)
        for c in CONCEPTS
    }


def find(concept: str, text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in patterns()[concept].finditer(text)]


def count(concept: str, text: str) -> int:
    return sum(1 for _ in patterns()[concept].finditer(text))
