"""Timing shared by the benchmarks: rounds in which the timed functions take turns."""

from __future__ import annotations

import time
from collections.abc import Callable


def rates(fns: dict[str, Callable[[], object]], n: int, repeat: int) -> dict[str, float]:
    """Best passages/s of each function over ``repeat`` rounds, the functions taking turns
    within a round: on a noisy machine a slow spell then hits all of them, not one."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: n / t for name, t in best.items()}
