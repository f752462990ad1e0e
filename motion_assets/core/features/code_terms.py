"""The integer terms a TF-IDF featurizer counts per sequence, and where they fall in its
vocabulary: numpy only, so the fitted featurizer (featurizers.py) and the CLI's scoring runtime
(core/scoring/runtime_terms.py) count exactly the same terms."""

from __future__ import annotations

import numpy as np

MAX_NGRAM_CODE = (1 << 16) - 1


def ngram_terms(sequences: list[np.ndarray], ngram_range: tuple[int, int]) -> list[np.ndarray]:
    """Per sequence, the key of every consecutive code n-gram of the orders in ``ngram_range``
    (each order's in turn, in code order): the codes as base-2^16 digits, plus its order in the
    top bits. Computed on all codes laid end to end, windows crossing two sequences left out:
    one Python step per sequence was most of a 50k variant's TF-IDF fit."""
    if not len(sequences):
        return []
    low, high = ngram_range
    lengths = np.array([len(codes) for codes in sequences], dtype=np.int64)
    flat = np.concatenate(sequences).astype(np.int64)
    if len(flat) and flat.max() > MAX_NGRAM_CODE:
        raise ValueError("code ids beyond 65535 do not fit the n-gram keys")
    row = np.repeat(np.arange(len(sequences)), lengths)
    room = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    room = lengths[row] - room  # codes from each position to its sequence's end
    keys, rows = [], []
    for n in range(low, high + 1):
        starts = np.flatnonzero(room >= n)
        key = np.full(len(starts), n << 60, dtype=np.int64)
        for position in range(n):
            key |= flat[starts + position] << (16 * position)
        keys.append(key)
        rows.append(row[starts])
    rows_all = np.concatenate(rows)
    grouped = np.argsort(rows_all, kind="stable")
    ends = np.cumsum(np.bincount(rows_all, minlength=len(sequences)))[:-1]
    return np.split(np.concatenate(keys)[grouped], ends)


def known_term_cells(terms: list[np.ndarray], vocabulary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every term occurrence found in the sorted ``vocabulary``; terms never
    seen in fit are dropped."""
    rows = np.repeat(np.arange(len(terms)), [len(t) for t in terms])
    flat = np.concatenate(terms) if terms else np.zeros(0, dtype=np.int64)
    columns = np.searchsorted(vocabulary, flat).clip(max=max(len(vocabulary) - 1, 0))
    known = vocabulary[columns] == flat if len(vocabulary) else np.zeros(len(flat), bool)
    return rows[known], columns[known]
