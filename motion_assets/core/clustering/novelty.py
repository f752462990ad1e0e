"""Novelty: how far a sequence lies from the training sequences, as a calibrated quantile.

A clusterer's own confidence (HDBSCAN membership strength, GMM posterior) says how clearly a
point belongs to *one* cluster, not whether it looks like anything seen in training: a new
action that sits between two clusters, or far out on one side, can still get a confident
posterior. The novelty score asks the direct question with the k nearest training neighbours:

    distance(x)  = euclidean distance from x to its k-th nearest training embedding
                   (embeddings L2-normalised, so this ranks like cosine similarity)
    novelty(x)   = share of training points whose own leave-one-out k-th neighbour distance
                   is below distance(x)         in [0, 1]; 0.95 = "more isolated than 95 %"

The reference is a seeded sample of at most ``max_reference`` training rows (float32), kept in
the fitted object (and so in the scoring bundle). A query that coincides with a reference row
(distance ~ 0: the training sequence itself) skips that one row, so scoring a training
sequence reproduces its leave-one-out value and a threshold on ``novelty`` flags the share of
training sequences it was calibrated for. Cost per query: one matmul against the reference
(20k x 64 floats: well under a millisecond to a few ms on one core).
"""

from __future__ import annotations

import numpy as np

from motion_assets.core.clustering.dense_features import as_dense_features, l2_normalize
from motion_assets.core.features.ranks import rank_below

SELF_MATCH = 1e-6  # squared distance below which a reference row is the query itself
QUERY_CHUNK = 512  # query rows per matmul: bounds memory at QUERY_CHUNK x max_reference


class KnnNovelty:
    """``fit(features)`` on training rows; ``score(features)`` -> novelty in [0, 1].

    ``k``: which neighbour's distance is used; ``max_reference``: training rows kept;
    ``normalize``: L2-normalise rows first (euclidean on unit vectors ranks like cosine).
    """

    def __init__(self, k: int = 10, max_reference: int = 20_000, normalize: bool = True,
                 random_state: int = 0) -> None:
        if k < 1:
            raise ValueError(f"novelty k must be >= 1, got {k}")
        self.k = int(k)
        self.max_reference = int(max_reference)
        self.normalize = normalize
        self.random_state = random_state

    def _prepare(self, features) -> np.ndarray:
        dense = as_dense_features(features)
        if self.normalize:
            dense = l2_normalize(dense)
        return np.ascontiguousarray(dense, dtype=np.float32)

    def fit(self, features) -> KnnNovelty:
        data = self._prepare(features)
        if len(data) < 2:
            raise ValueError("novelty needs at least two training rows")
        if len(data) > self.max_reference:
            rng = np.random.default_rng(self.random_state)
            data = data[np.sort(rng.choice(len(data), self.max_reference, replace=False))]
        self.reference_ = data
        self.reference_sq_ = np.einsum("ij,ij->i", data, data)
        self.k_ = min(self.k, len(data) - 1)
        self.n_features_in_ = data.shape[1]
        # leave-one-out: every reference row skips itself (and only itself)
        self.training_distances_ = np.sort(self._kth_distance(data))
        return self

    @classmethod
    def from_fitted(cls, reference: np.ndarray, training_distances: np.ndarray, k: int,
                    normalize: bool = True) -> KnnNovelty:
        """The fitted model of ``reference_`` and ``training_distances_`` (another's), e.g.
        exported as plain arrays (core/scoring/runtime_export.py): no refit, same scores."""
        novelty = cls(k, len(reference), normalize)
        novelty.reference_ = np.ascontiguousarray(reference, dtype=np.float32)
        novelty.reference_sq_ = np.einsum("ij,ij->i", novelty.reference_, novelty.reference_)
        novelty.k_ = min(novelty.k, len(reference) - 1)
        novelty.n_features_in_ = novelty.reference_.shape[1]
        novelty.training_distances_ = np.asarray(training_distances, dtype=np.float64)
        return novelty

    def _kth_distance(self, queries: np.ndarray) -> np.ndarray:
        out = np.empty(len(queries), dtype=np.float64)
        k = self.k_
        for start in range(0, len(queries), QUERY_CHUNK):
            block = queries[start : start + QUERY_CHUNK]
            squared = (np.einsum("ij,ij->i", block, block)[:, None] + self.reference_sq_[None, :]
                       - 2.0 * block @ self.reference_.T)
            np.maximum(squared, 0.0, out=squared)
            nearest = np.partition(squared, k, axis=1)[:, : k + 1]
            nearest.sort(axis=1)
            # the query itself, when it is a reference row, is the one ~0 entry to skip
            skip = nearest[:, 0] < SELF_MATCH
            chosen = np.where(skip, nearest[:, k], nearest[:, k - 1])
            out[start : start + len(block)] = np.sqrt(chosen)
        return out

    def distance(self, features) -> np.ndarray:
        """Distance to the k-th nearest reference row ``[N]`` (self-matches skipped)."""
        data = self._prepare(features)
        if data.shape[1] != self.n_features_in_:
            raise ValueError(f"expected {self.n_features_in_} feature columns, got {data.shape[1]}")
        return self._kth_distance(data)

    def score(self, features) -> np.ndarray:
        """Novelty ``[N]`` in [0, 1]: share of training leave-one-out distances below."""
        return rank_below(self.training_distances_, self.distance(features))
