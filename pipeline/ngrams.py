"""Word and word-pair counts per sentence, from a batch's ``Scans``, with numpy.

scikit-learn's ``CountVectorizer`` builds every n-gram string in Python and pays a raised
``KeyError`` for each one outside the vocabulary; for short passages that was most of
the classifier's time. The vocabulary is still fitted by ``CountVectorizer`` (with
``SentenceNgrams``); counting then works on integers: one dictionary lookup per distinct
word of the batch, and array operations per token.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from pipeline.lexicon import Scans


class SentenceNgrams:
    """Analyzer for a passage given as its sentences' tokens: words, and word pairs when
    ``n`` is 2, never across a sentence boundary (so a passage's counts are its
    sentences' summed). Used to fit the vocabulary; ``NgramCounter`` counts."""

    def __init__(self, n: int = 1) -> None:
        if n not in (1, 2):
            raise ValueError(f"ngram_max must be 1 or 2, not {n}")
        self.n = n

    def __call__(self, sentences: list[list[str]]) -> list[str]:
        grams: list[str] = []
        for tokens in sentences:
            grams += tokens
            if self.n == 2:
                grams += [a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)]
        return grams


class NgramCounter:
    """Counts a fitted vocabulary's words and word pairs per sentence with numpy.

    Each token becomes an integer (its word's place in the vocabulary's words), a pair
    the integer ``first * n_words + second``, looked up in a hash table (``PairTable``):
    no Python work per token, one dictionary lookup per distinct word of the batch.
    """

    def __init__(self, vocabulary: dict[str, int]) -> None:
        words: dict[str, int] = {}
        singles, pairs = [], []
        for term, col in vocabulary.items():
            ids = [words.setdefault(part, len(words)) for part in term.split(" ")]
            (singles if len(ids) == 1 else pairs).append((*ids, col))
        self.words = words
        self.n_features = len(vocabulary)
        self.single = np.full(len(words) + 1, -1, dtype=np.int64)  # last: unknown word
        for word, col in singles:
            self.single[word] = col
        self.pairs = PairTable([a * len(words) + b for a, b, _ in pairs], [c for *_, c in pairs])

    def __call__(self, scans: Scans) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Counts per non-empty sentence, and each sentence's passage."""
        keep, forms = scans.tfidf_tokens
        get, unknown = self.words.get, len(self.words)
        known = np.fromiter((get(f, unknown) for f in forms), dtype=np.int64, count=len(forms))
        token = known[scans.token_word[keep]]
        sentence, owner = scans.sentence_index()
        cols = self.single[token]
        rows, found = [sentence[cols >= 0]], [cols[cols >= 0]]
        a, b = token[:-1], token[1:]
        joined = (sentence[1:] == sentence[:-1]) & (a < unknown) & (b < unknown)
        cols = self.pairs.get(a[joined] * unknown + b[joined])
        rows.append(sentence[:-1][joined][cols >= 0])
        found.append(cols[cols >= 0])
        rows_, cols_ = np.concatenate(rows), np.concatenate(found)
        # (the conversion to CSR sums repeated n-grams)
        counts = sparse.coo_matrix((np.ones(len(rows_)), (rows_, cols_)),
                                   shape=(len(owner), self.n_features)).tocsr()
        return counts, owner


class PairTable:
    """An open-addressing hash table from integer keys to columns, looked up with numpy
    (a sorted-array search costs a cache miss per step for each of a batch's pairs)."""

    MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: Sequence[int], cols: Sequence[int]) -> None:
        self.bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 3))))
        size = 1 << self.bits
        self.keys = np.full(size, -1, dtype=np.int64)
        self.cols = np.full(size, -1, dtype=np.int64)
        self.probes = 1
        for key, col, slot in zip(keys, cols, self._slots(np.asarray(keys, dtype=np.int64)),
                                  strict=True):
            for probe in range(size):
                at = (int(slot) + probe) & (size - 1)
                if self.keys[at] == -1:
                    self.keys[at], self.cols[at] = key, col
                    self.probes = max(self.probes, probe + 1)
                    break

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (keys.astype(np.uint64) * self.MULTIPLIER >> np.uint64(64 - self.bits)
                    ).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key, -1 for keys not in the table."""
        out = np.full(len(keys), -1, dtype=np.int64)
        slots, pending = self._slots(keys), np.arange(len(keys))
        mask = len(self.keys) - 1
        for probe in range(self.probes):
            at = (slots[pending] + probe) & mask
            stored = self.keys[at]
            hit = stored == keys[pending]
            out[pending[hit]] = self.cols[at[hit]]
            pending = pending[~hit & (stored != -1)]
            if not len(pending):
                break
        return out
