"""HDBSCAN out-of-sample prediction for scoring: one neighbour query per call, the rest once.

Scoring a new point needs three of hdbscan's prediction functions: ``approximate_predict``
(label, membership strength), ``approximate_predict_scores`` (GLOSH outlier score) and
``membership_vector`` (soft membership). Called one after another they query the prediction
data's KD-tree three times, and on every call they also redo work that depends only on the
fitted model: ``approximate_predict_scores`` walks the whole condensed tree in Python (one
step per training point, paid by every single-sequence call) and ``membership_vector``
re-selects the clusters. One point cost 2.0 ms of CPU at 1,000 training points and 16 ms at
20,000, against 0.4 and 1.6 ms here (``benchmarks/scoring_benchmark.py --hdbscan-growth``). :class:`HdbscanPrediction` computes
those once per fitted model and answers all three from one query, through hdbscan's own
per-point helpers, so the results are the library's (equal to its public functions: tests).
"""

from __future__ import annotations

import weakref

import numpy as np
from hdbscan._prediction_utils import (
    dist_membership_vector,
    get_tree_row_with_child,
    outlier_membership_vector,
    prob_in_some_cluster,
)
from hdbscan.prediction import (
    _cluster_tree_lookup,
    _find_cluster_and_probability,
    _find_neighbor_and_lambda,
    _group_by_parent,
)

# fitted hdbscan.HDBSCAN -> its HdbscanPrediction (kept out of the pickled bundle)
_PREDICTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def prediction_for(model) -> HdbscanPrediction:
    """The cached :class:`HdbscanPrediction` of a fitted model (built on first use)."""
    prediction = _PREDICTIONS.get(model)
    if prediction is None:
        prediction = _PREDICTIONS[model] = HdbscanPrediction(model)
    return prediction


class HdbscanPrediction:
    """What hdbscan's prediction needs beyond the query point, computed once."""

    def __init__(self, model) -> None:
        data = model.prediction_data_
        self.model = model
        self.data = data
        self.min_samples = model.min_samples or model.min_cluster_size
        self.condensed = model.condensed_tree_
        self.raw_tree = self.condensed._raw_tree
        self.cluster_lookup = _cluster_tree_lookup(data.cluster_tree)
        self.cluster_root = data.cluster_tree["parent"].min()
        self.clusters = np.array(sorted(self.condensed._select_clusters())).astype(np.intp)
        self.subtree_max_lambdas = _subtree_max_lambdas(self.raw_tree)

    def predict(self, points: np.ndarray, membership: bool = True,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """(labels int64, membership strengths, GLOSH outlier scores, membership vectors
        ``[n, n_clusters]``) of float64 ``points``: hdbscan's approximate_predict,
        approximate_predict_scores and membership_vector, from one neighbour query.
        ``membership=False``: no membership vectors (None), which are most of a point's cost
        (what the assignment of the rows beyond a fit's draw needs)."""
        data, k = self.data, self.min_samples
        distances, indices = data.tree.query(points, k=2 * k)
        labels = np.empty(len(points), dtype=np.int64)
        strengths, scores = np.empty(len(points)), np.empty(len(points))
        soft = np.empty((len(points), len(self.clusters))) if membership else None
        for i in range(len(points)):
            labels[i], strengths[i], _ = _find_cluster_and_probability(
                self.condensed, data.cluster_tree, indices[i], distances[i],
                data.core_distances, data.cluster_map, data.max_lambdas, k,
                self.cluster_lookup, self.cluster_root)
            neighbour, lambda_ = _find_neighbor_and_lambda(indices[i], distances[i],
                                                           data.core_distances, k)
            row = get_tree_row_with_child(self.raw_tree, neighbour)
            scores[i] = self._outlier_score(row, lambda_, distances[i].min() == 0)
            if membership:
                soft[i] = self._membership(points[i], neighbour, min(lambda_, row["lambda_val"]))
        return labels, strengths, scores, soft

    def _outlier_score(self, row, lambda_: float, in_training: bool) -> float:
        if in_training:  # the point is a training point: its own lambda, free of rounding
            lambda_ = row["lambda_val"]
        max_lambda = self.subtree_max_lambdas[row["parent"]]
        return (max_lambda - lambda_) / max_lambda if max_lambda > 0.0 else 0.0

    def _membership(self, point: np.ndarray, neighbour, lambda_: float) -> np.ndarray:
        data, tree = self.data, self.raw_tree
        distance = dist_membership_vector(point, data.exemplars, data.dist_metric)
        outlier = outlier_membership_vector(neighbour, lambda_, self.clusters, tree,
                                            data.leaf_max_lambdas, data.cluster_tree)
        vector = distance**0.5 * outlier**2.0
        vector /= vector.sum()
        vector *= prob_in_some_cluster(neighbour, lambda_, self.clusters, tree,
                                       data.leaf_max_lambdas, data.cluster_tree)
        return vector


def _subtree_max_lambdas(tree) -> dict:
    """Per condensed-tree node: the largest lambda anywhere below it (GLOSH's lambda_max).

    Only cluster rows carry a maximum up to their parent (a point is no parent); walking
    them deepest first (condensed-tree rows run from the root down) fills every node once."""
    max_lambdas, _ = _group_by_parent(tree)
    clusters = tree[tree["child_size"] > 1]
    for parent, child in zip(clusters["parent"][::-1], clusters["child"][::-1]):
        max_lambdas[parent] = max(max_lambdas[parent], max_lambdas[child])
    return max_lambdas
