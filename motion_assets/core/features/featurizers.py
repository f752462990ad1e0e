"""Featurizers: one small protocol, so an evaluation loops over featurizer x clusterer.

Every featurizer has a ``name``, ``fit(table) -> self`` and ``transform(table)`` returning
an ``[N, F]`` numpy array or scipy.sparse matrix, for a ``code_sequences`` table. Those
that read codes take ``remove_overlap`` (see overlap.py). The learned encoder follows the
same protocol: ``EncoderFeaturizer`` in encoder_training.py.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from motion_assets.core.features.code_terms import known_term_cells, ngram_terms
from motion_assets.core.features.digit_rows import digit_statistics
from motion_assets.core.features.draws import sample_table
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.fsq import Codebook
from motion_assets.core.sequences.overlap import featurizer_sequences

# A featurizer learns its vocabulary, IDF, SVD or scaling from a seeded draw of at most this
# many rows and is then applied to all (fitting every row of a 50k variant was a large part of
# baseline_features, scoring_bundle and labelled_evaluation). Measured at 50k (BENCHMARKS
# "Bounded fits after the encoder"), KMeans(7) ARI against the true action, all rows -> a
# 10,000 draw (seeds 0, 1): LSA 0.477 -> 0.475 / 0.474 (fit 11.9 -> 3.9 CPU s), bag-of-codes
# TF-IDF 0.457 -> 0.458 / 0.458, digit statistics 0.345 -> 0.346 / 0.345; 5,000 was noisier.
FIT_ROWS = 10_000


def fit_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows a featurizer fits on: ``table`` up to :data:`FIT_ROWS`, else a seeded draw."""
    return sample_table(table, FIT_ROWS, seed=0)


@runtime_checkable
class Featurizer(Protocol):
    name: str

    def fit(self, table: pd.DataFrame) -> Featurizer: ...

    def transform(self, table: pd.DataFrame) -> np.ndarray | sp.spmatrix: ...


def fit_transform(featurizer: Featurizer, table: pd.DataFrame):
    return featurizer.fit(table).transform(table)


class _CodeFeaturizer:
    """Shared plumbing: which codes a featurizer sees, and the fitted check."""

    base_name = "codes"

    def __init__(self, remove_overlap: bool = False) -> None:
        self.remove_overlap = remove_overlap

    @property
    def name(self) -> str:
        return self.base_name + ("_no_overlap" if self.remove_overlap else "")

    def _sequences(self, table: pd.DataFrame) -> list[np.ndarray]:
        return featurizer_sequences(table, self.remove_overlap)

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise RuntimeError(f"{self.name} is not fitted: call fit(table) first")

    def fit_transform(self, table: pd.DataFrame):
        return self.fit(table).transform(table)


class _TfidfOverTerms(_CodeFeaturizer):
    """TF-IDF over integer terms per sequence (codes, or n-gram keys), L2-normalized rows.

    ``idf = ln(N / df)``, unsmoothed: a term in every sequence weighs 0, a rare one much;
    terms never seen in fit are dropped in transform.
    """

    def __init__(self, remove_overlap: bool = False, sublinear_tf: bool = False) -> None:
        super().__init__(remove_overlap)
        self.sublinear_tf = sublinear_tf

    def _terms(self, sequences: list[np.ndarray]) -> list[np.ndarray]:
        raise NotImplementedError

    def _counts(self, table: pd.DataFrame, vocabulary: np.ndarray | None = None):
        terms = self._terms(self._sequences(table))
        if vocabulary is None:
            vocabulary = np.unique(np.concatenate(terms)) if terms else np.zeros(0, dtype=np.int64)
        rows, columns = known_term_cells(terms, vocabulary)
        counts = sp.csr_matrix(
            (np.ones(len(rows)), (rows, columns)),
            shape=(len(terms), len(vocabulary)),
        )
        counts.sum_duplicates()
        return counts, vocabulary

    def fit(self, table: pd.DataFrame):
        counts, self.vocabulary_ = self._counts(table)
        document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = np.log(counts.shape[0] / np.maximum(document_frequency, 1))
        return self

    def transform(self, table: pd.DataFrame) -> sp.csr_matrix:
        self._check_fitted("idf_")
        counts, _ = self._counts(table, self.vocabulary_)
        if self.sublinear_tf:
            counts.data = 1 + np.log(counts.data)
        return normalize(counts @ sp.diags(self.idf_), norm="l2")


class BagOfCodesTfidf(_TfidfOverTerms):
    """TF-IDF of code ids (order ignored): ``[N, n codes seen in fit]`` sparse."""

    base_name = "bag_of_codes_tfidf"

    def _terms(self, sequences):
        return sequences


class CodeNgramTfidf(_TfidfOverTerms):
    """TF-IDF of consecutive code n-grams, orders ``ngram_range`` (order matters)."""

    base_name = "code_ngram_tfidf"

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 2),
        remove_overlap: bool = False,
        sublinear_tf: bool = False,
    ) -> None:
        super().__init__(remove_overlap, sublinear_tf)
        low, high = ngram_range
        if not 1 <= low <= high <= 3:
            raise ValueError(f"ngram_range must satisfy 1 <= low <= high <= 3, got {ngram_range}")
        self.ngram_range = (low, high)
        self.base_name = f"code_ngram{low}{high}_tfidf"  # e.g. code_ngram12_tfidf

    def _terms(self, sequences):
        return ngram_terms(sequences, self.ngram_range)


class DigitStatistics(_CodeFeaturizer):
    """The geometry of the codes, free: per FSQ digit axis the mean and std (digits scaled
    to [-1, 1]), a normalized histogram, the mean absolute step between consecutive codes
    and the share of steps that stay put. Dense ``[N, 4 * axes + sum(levels)]``, then
    standardized with the fit table's mean and std when ``standardize``.
    """

    base_name = "fsq_digit_stats"

    def __init__(
        self,
        levels: tuple[int, ...] | None = None,
        remove_overlap: bool = False,
        standardize: bool = True,
    ) -> None:
        super().__init__(remove_overlap)
        self.levels = levels
        self.standardize = standardize

    def fit(self, table: pd.DataFrame):
        levels = self.levels or table_levels(table)
        if not levels:
            raise ValueError(
                f"{self.name} needs FSQ levels: pass levels=... or fill codebook_levels"
            )
        size = int(np.prod(levels))
        self.codebook_ = Codebook(size=size, levels=tuple(int(v) for v in levels))
        raw = self._raw(table)
        self.mean_, self.scale_ = raw.mean(0), raw.std(0)
        self.scale_[self.scale_ == 0] = 1.0
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        self._check_fitted("codebook_")
        raw = self._raw(table)
        return ((raw - self.mean_) / self.scale_ if self.standardize else raw).astype(np.float32)

    def _raw(self, table: pd.DataFrame) -> np.ndarray:
        return digit_statistics(self.codebook_, self._sequences(table))


class MeanLatent:
    """The mean continuous latent files carry (column ``mean_latent``), ``[N, D]`` dense.

    Refuses tables with rows lacking it (use :func:`rows_without_mean_latent` to find or
    drop them). No overlap option: the latent was averaged upstream over all windows.
    """

    name = "mean_latent"

    def fit(self, table: pd.DataFrame) -> MeanLatent:
        self.dim_ = self._matrix(table).shape[1]
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "dim_"):
            raise RuntimeError("mean_latent is not fitted: call fit(table) first")
        matrix = self._matrix(table)
        if matrix.shape[1] != self.dim_:
            raise ValueError(f"mean_latent has width {matrix.shape[1]}, fitted on {self.dim_}")
        return matrix

    def fit_transform(self, table: pd.DataFrame) -> np.ndarray:
        return self.fit(table).transform(table)

    @staticmethod
    def _matrix(table: pd.DataFrame) -> np.ndarray:
        missing = rows_without_mean_latent(table)
        if missing:
            raise ValueError(
                f"mean_latent is missing for {len(missing)} of {len(table)} rows "
                f"(e.g. {missing[:3]}); these files carry no continuous latents"
            )
        widths = {len(v) for v in table["mean_latent"]}
        if len(widths) != 1:
            raise ValueError(f"mean_latent widths differ between rows: {sorted(widths)}")
        return np.vstack([np.asarray(v, dtype=np.float32) for v in table["mean_latent"]])


def rows_without_mean_latent(table: pd.DataFrame) -> list[str]:
    """sequence_ids of rows with no (or an empty) mean latent."""
    if "mean_latent" not in table:
        return list(table["sequence_id"])
    return [
        sequence_id
        for sequence_id, latent in zip(table["sequence_id"], table["mean_latent"])
        if not isinstance(latent, list | tuple | np.ndarray) or len(latent) == 0
    ]


def baseline_featurizers(*tables: pd.DataFrame) -> list:
    """The bag-of-codes baselines that apply to every given table: TF-IDF and code n-gram
    TF-IDF always, FSQ digit statistics where the tables have levels, the mean latent where
    every row carries one."""
    featurizers = [BagOfCodesTfidf(), CodeNgramTfidf(ngram_range=(1, 2))]
    if all(table_levels(table) for table in tables):
        featurizers.append(DigitStatistics())
    if all(len(table) and not rows_without_mean_latent(table) for table in tables):
        featurizers.append(MeanLatent())
    return featurizers
