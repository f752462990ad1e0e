"""Spectral clustering on a kNN graph, with out-of-sample assignment by the same neighbours.

Spectral clustering cuts the graph of who is whose neighbour rather than fitting blobs, so an
action whose sequences form a curved or stretched cloud (tempo, amplitude, placement move it
along a path) stays one cluster. It has no ``predict``: a new point takes the vote of its
``n_neighbors`` nearest training points (the graph it would have joined), which also gives a
probability (the winning share) and an outlier score (its k-th neighbour distance as the share
of training points less isolated), so it serves the scoring path like any other clusterer.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.cluster import SpectralClustering
from sklearn.neighbors import NearestNeighbors

from motion_assets.core.clustering.assignments import Assignments
from motion_assets.core.clustering.config import SpectralConfig
from motion_assets.core.clustering.dense_features import as_dense_features
from motion_assets.core.clustering.neighbour_vote import vote_shares
from motion_assets.core.features.draws import sample_rows


class SpectralClusterer:
    """``fit`` cuts the kNN graph of the training points; ``assign`` votes among neighbours."""

    name = "spectral"

    def __init__(self, config: SpectralConfig | None = None) -> None:
        self.config = config or SpectralConfig()
        self.probability_threshold = self.config.probability_threshold

    def fit(self, features) -> SpectralClusterer:
        config = self.config
        everything = as_dense_features(features)
        cut = sample_rows(len(everything), config.fit_sample_size, config.random_state)
        data = everything[cut]
        neighbors = min(config.n_neighbors, len(data) - 1)
        with warnings.catch_warnings():  # "graph is not fully connected": still a valid cut
            warnings.simplefilter("ignore", UserWarning)
            labels = SpectralClustering(
                n_clusters=min(config.n_clusters, len(data) - 1), affinity="nearest_neighbors",
                n_neighbors=neighbors, assign_labels="cluster_qr",
                random_state=config.random_state,
            ).fit_predict(data)
        # ids by size, largest first, and only ids that hold points
        ids, counts = np.unique(labels, return_counts=True)
        order = ids[np.argsort(-counts, kind="stable")]
        self.cut_labels_ = np.argsort(order)[np.searchsorted(ids, labels)].astype(np.int64)
        self.n_clusters_ = len(ids)
        self.k_ = neighbors
        self.index_ = NearestNeighbors(n_neighbors=neighbors).fit(data)
        # Training points are assigned exactly as new ones are (their own vote, themselves
        # included), so the batch labels and online scoring of the same sequence agree.
        # One query serves both: the cut rows' k-th distances calibrate the outlier score.
        distances, neighbor_index = self.index_.kneighbors(everything, neighbors)
        self.training_distances_ = np.sort(distances[cut, -1])
        self.training_assignments_ = self._vote(distances, neighbor_index)
        self.labels_ = self.training_assignments_.cluster
        return self

    def decided_config(self) -> SpectralConfig:
        return self.config

    def fit_report(self) -> dict:
        return {"clusters": self.n_clusters_, "neighbors": self.k_}

    def _shares(self, neighbor_index: np.ndarray) -> np.ndarray:
        return vote_shares(self.cut_labels_[neighbor_index], self.n_clusters_)

    def _vote(self, distances: np.ndarray, neighbor_index: np.ndarray) -> Assignments:
        shares = self._shares(neighbor_index)
        below = np.searchsorted(self.training_distances_, distances[:, -1], side="left")
        return Assignments(shares.argmax(axis=1).astype(np.int64), shares.max(axis=1),
                           below / len(self.training_distances_), np.zeros(len(shares), bool))

    def predict(self, features) -> np.ndarray:
        return self.assign(features).cluster

    def predict_proba(self, features) -> np.ndarray:
        """Neighbour vote shares ``(n, n_clusters_)``, rows sum to 1."""
        _, neighbor_index = self.index_.kneighbors(as_dense_features(features), self.k_)
        return self._shares(neighbor_index)

    def assign(self, features) -> Assignments:
        return self._vote(*self.index_.kneighbors(as_dense_features(features), self.k_))
