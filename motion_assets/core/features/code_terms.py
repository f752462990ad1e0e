"""The integer terms a TF-IDF featurizer counts per sequence, and where they fall in its
vocabulary: numpy only, so the fitted featurizer (featurizers.py) and the CLI's scoring runtime
(core/scoring/runtime_terms.py) count exactly the same terms."""

from __future__ import annotations

import numpy as np

MAX_NGRAM_CODE = (1 << 16) - 1


def ngram_terms(sequences: list[np.ndarray], ngram_range: tuple[int, int]) -> list[np.ndarray]:
    """Per sequence, the key of every consecutive code n-gram of the orders in ``ngram_range``:
    the codes as base-2^16 digits, plus its order in the top bits."""
    low, high = ngram_range
    out = []
    for codes in sequences:
        if len(codes) and codes.max() > MAX_NGRAM_CODE:
            raise ValueError("code ids beyond 65535 do not fit the n-gram keys")
        keys = []
        for n in range(low, high + 1):
            if len(codes) < n:
                continue
            windows = np.lib.stride_tricks.sliding_window_view(codes, n)
            key = np.full(len(windows), n << 60, dtype=np.int64)
            for position in range(n):
                key |= windows[:, position].astype(np.int64) << (16 * position)
            keys.append(key)
        out.append(np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64))
    return out


def known_term_cells(terms: list[np.ndarray], vocabulary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every term occurrence found in the sorted ``vocabulary``; terms never
    seen in fit are dropped."""
    rows = np.repeat(np.arange(len(terms)), [len(t) for t in terms])
    flat = np.concatenate(terms) if terms else np.zeros(0, dtype=np.int64)
    columns = np.searchsorted(vocabulary, flat).clip(max=max(len(vocabulary) - 1, 0))
    known = vocabulary[columns] == flat if len(vocabulary) else np.zeros(len(flat), bool)
    return rows[known], columns[known]
