"""The lexicon scan against the regular expressions it stands in for, in one process.

    .venv/bin/python benchmarks/bench_scan.py [--copies 4] [--repeat 5]

``Scanner.scan`` finds every codebook concept, and the words and sentences later stages
read, in one pass over a batch. The baseline is what it replaces: lowercasing each passage
and running each concept's pattern with ``finditer``, plus ``re.findall`` for the words.
The two take turns in each round (best of each). Prints passages/s, the ratio, and
checks that both found the same concept spans.
"""

from __future__ import annotations

import argparse

from timing import rates  # benchmarks/timing.py, beside this script

from pipeline.formats import read_labelled
from pipeline.lexicon import CONCEPTS, WORD, Scanner, _compile
from pipeline.train import CORPUS_PASSAGES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=4, help="corpus copies to scan")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    texts = [p.text for p in read_labelled(CORPUS_PASSAGES)[1]] * args.copies
    patterns = [(c, _compile(c)) for c in CONCEPTS]

    def baseline() -> list[dict[str, list[tuple[int, int]]]]:
        out = []
        for text in texts:
            lower = text.lower()
            WORD.findall(lower)
            found = {c: [m.span() for m in p.finditer(lower)] for c, p in patterns}
            out.append({c: spans for c, spans in found.items() if spans})
        return out

    scanner = Scanner()
    scanner.scan(texts)  # its per-word tables fill on first sight of a word: warm them

    def scan() -> list[dict[str, list[tuple[int, int]]]]:
        scans = scanner.scan(texts)
        return [scans.spans(i) for i in range(len(texts))]

    n = len(texts)
    found = rates({"regular expressions": baseline, "Scanner.scan": scan}, n, args.repeat)
    base = found["regular expressions"]
    print(f"{n:,} passages, {len(CONCEPTS)} concepts, one process")
    for name, rate in found.items():
        print(f"{name:<22}{rate:>10,.0f} passages/s   {rate / base:.2f}x")
    same = baseline() == scan()
    print("same concept spans:", "yes" if same else "NO")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
