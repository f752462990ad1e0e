"""TF-IDF of code terms in numpy (no scipy, no sklearn): the scoring runtime's bag-of-codes and
code n-gram featurizers.

featurizers.py ``_TfidfOverTerms.transform`` counts the terms of each sequence that the fit
saw (code_terms.py, shared), takes ``1 + ln(count)`` when sublinear, multiplies by the fitted
``idf`` and L2-normalises each row as sklearn's ``normalize`` does a CSR matrix (the square
root of the row's sum of squares; an all-zero row stays zero). Here the result is a
:class:`SparseRows`, CSR in plain arrays, which the next step projects (LSA, a truncated SVD)
or densifies.
"""

from __future__ import annotations

import numpy as np

from motion_assets.core.features.code_terms import known_term_cells, ngram_terms

DENSE_BLOCK_CELLS = 1 << 22  # 32 MiB of float64: rows densified at once for a product


class SparseRows:
    """A CSR matrix as arrays: ``indptr`` ``[N + 1]``, ``indices`` and ``data`` ``[nnz]``."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                 shape: tuple[int, int]) -> None:
        self.indptr, self.indices, self.data, self.shape = indptr, indices, data, shape

    def _dense_rows(self, start: int, stop: int) -> np.ndarray:
        block = np.zeros((stop - start, self.shape[1]))
        low, high = self.indptr[start], self.indptr[stop]
        rows = np.repeat(np.arange(stop - start), np.diff(self.indptr[start : stop + 1]))
        block[rows, self.indices[low:high]] = self.data[low:high]
        return block

    def toarray(self) -> np.ndarray:
        return self._dense_rows(0, self.shape[0])

    def dot(self, dense: np.ndarray) -> np.ndarray:
        """``self @ dense`` ``[N, k]`` float64, a block of densified rows at a time."""
        out = np.empty((self.shape[0], dense.shape[1]))
        step = max(1, DENSE_BLOCK_CELLS // max(self.shape[1], 1))
        for start in range(0, self.shape[0], step):
            stop = min(start + step, self.shape[0])
            out[start:stop] = self._dense_rows(start, stop) @ dense
        return out


def dense_rows(features) -> np.ndarray:
    """Featurizer output as a dense matrix (:class:`SparseRows` densified)."""
    return features.toarray() if isinstance(features, SparseRows) else features


class TfidfRows:
    """``transform(sequences)`` -> :class:`SparseRows` ``[N, len(vocabulary)]``, as the fitted
    ``BagOfCodesTfidf`` (``ngram_range`` None) or ``CodeNgramTfidf`` gives it."""

    def __init__(self, vocabulary: np.ndarray, idf: np.ndarray,
                 ngram_range: tuple[int, int] | None, sublinear_tf: bool) -> None:
        self.vocabulary = np.asarray(vocabulary, dtype=np.int64)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.ngram_range = None if ngram_range is None else tuple(ngram_range)
        self.sublinear_tf = bool(sublinear_tf)

    def transform(self, sequences: list[np.ndarray]) -> SparseRows:
        terms = sequences if self.ngram_range is None else ngram_terms(sequences, self.ngram_range)
        rows, columns = known_term_cells([np.asarray(t, dtype=np.int64) for t in terms],
                                         self.vocabulary)
        width = len(self.vocabulary)
        cells, counts = np.unique(rows * width + columns, return_counts=True)  # row-major order
        rows, columns = cells // width, cells % width
        values = counts.astype(np.float64)
        if self.sublinear_tf:
            values = 1 + np.log(values)
        values *= self.idf[columns]
        indptr = np.zeros(len(sequences) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(sequences)), out=indptr[1:])
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(sequences)))
        divisor = np.repeat(np.where(norms > 0, norms, 1.0), np.diff(indptr))
        return SparseRows(indptr, columns, values / divisor, (len(sequences), width))
