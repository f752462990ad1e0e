"""Spectral clustering's out-of-sample assignment in numpy (no sklearn): a neighbour vote.

core/clustering/spectral.py ``SpectralClusterer.assign``: a new point takes the labels of its
``k`` nearest points among those the graph was cut on, the winning share as its probability
(ties to the lowest cluster id, as ``argmax``), and the distance to its k-th neighbour as the
share of cut points less isolated as its outlier score. The neighbour query is brute force,
the distance computed the way sklearn's index computes it (``brute``: the expanded form
``|x|^2 - 2 x.y + |y|^2`` of its pairwise-distance kernels; a tree: the direct difference), so
the k-th distance agrees within float64 rounding.
"""

from __future__ import annotations

import numpy as np

from motion_assets.core.clustering.neighbour_vote import vote_shares

QUERY_CHUNK = 256  # query rows per distance block: bounds memory at QUERY_CHUNK x cut points


class NeighbourVote:
    """``assign(points)`` -> (labels, probability, outlier score, soft ``[n, clusters]``)."""

    def __init__(self, data: np.ndarray, labels: np.ndarray, k: int, training_distances: np.ndarray,
                 n_clusters: int, brute: bool) -> None:
        self.data = np.asarray(data, dtype=np.float64)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.k, self.n_clusters, self.brute = int(k), int(n_clusters), bool(brute)
        self.training_distances = np.asarray(training_distances, dtype=np.float64)
        self.data_squared = np.einsum("ij,ij->i", self.data, self.data)

    def _squared_distances(self, points: np.ndarray) -> np.ndarray:
        if self.brute:
            squared = (-2.0 * points @ self.data.T + np.einsum("ij,ij->i", points, points)[:, None]
                       + self.data_squared[None])
            return np.maximum(squared, 0.0, out=squared)
        squared = np.zeros((len(points), len(self.data)))
        for column in range(self.data.shape[1]):  # the tree's order: one feature at a time
            squared += (points[:, column, None] - self.data[None, :, column]) ** 2
        return squared

    def _neighbours(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(k-th neighbour distance ``[n]``, the k nearest cut points ``[n, k]``)."""
        kth, nearest = np.empty(len(points)), np.empty((len(points), self.k), dtype=np.int64)
        for start in range(0, len(points), QUERY_CHUNK):
            squared = self._squared_distances(points[start : start + QUERY_CHUNK])
            chosen = np.argpartition(squared, self.k - 1, axis=1)[:, : self.k]
            nearest[start : start + len(squared)] = chosen
            kth[start : start + len(squared)] = np.sqrt(
                np.take_along_axis(squared, chosen, axis=1).max(axis=1))
        return kth, nearest

    def assign(self, points: np.ndarray):
        kth, nearest = self._neighbours(np.asarray(points, dtype=np.float64))
        shares = vote_shares(self.labels[nearest], self.n_clusters)
        below = np.searchsorted(self.training_distances, kth, side="left")
        return (shares.argmax(axis=1).astype(np.int64), shares.max(axis=1),
                below / len(self.training_distances), shares)
