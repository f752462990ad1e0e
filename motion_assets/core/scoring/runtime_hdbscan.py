"""HDBSCAN's out-of-sample prediction in numpy, from exported prediction data (no hdbscan).

What core/clustering/hdbscan_prediction.py computes through hdbscan's own helpers
(``approximate_predict``, ``approximate_predict_scores``, ``membership_vector``) from one
neighbour query, here from arrays exported once per fitted model (runtime_export.py): the
training points, their core distances, each point's row of the condensed tree, the cluster
rows, per tree node its selected label and lambda maxima, and the exemplars of each selected
cluster. The neighbour query is brute force: one distance row per point against at most the
~20k training points a bundle holds, well under a millisecond of numpy.
"""

from __future__ import annotations

import numpy as np

NOISE = -1
DBL_MAX = np.finfo(np.double).max


class HdbscanArrays:
    """``predict(points)`` -> (labels, membership strengths, GLOSH scores, membership
    vectors ``[n, clusters]``), as hdbscan_prediction.py's ``HdbscanPrediction.predict``.

    Node arrays are indexed by condensed-tree node id minus ``root`` (NaN / -1 where hdbscan's
    dicts have no entry).
    """

    def __init__(self, arrays: dict[str, np.ndarray], prefix: str, min_samples: int,
                 root: int) -> None:
        def part(name):
            return arrays[f"{prefix}.{name}"]

        self.raw_data, self.core_distances = part("raw_data"), part("core_distances")
        self.point_parent, self.point_lambda = part("point_parent"), part("point_lambda")
        self.min_samples, self.root = int(min_samples), int(root)
        self.parent_of = dict(zip(part("cluster_child").tolist(), part("cluster_parent").tolist()))
        self.lambda_of = dict(zip(part("cluster_child").tolist(), part("cluster_lambda").tolist()))
        self.label, self.max_lambda = part("node_label"), part("node_max_lambda")
        self.leaf_max_lambda, self.subtree_max_lambda = part("node_leaf_max_lambda"), part("node_subtree_max_lambda")
        self.clusters = part("clusters")
        bounds = np.cumsum(part("exemplar_counts"))[:-1]
        self.exemplars = np.split(part("exemplars"), bounds)

    def predict(self, points: np.ndarray):
        n = len(points)
        labels = np.empty(n, dtype=np.int64)
        strengths, scores = np.empty(n), np.empty(n)
        soft = np.empty((n, len(self.clusters)))
        for i, point in enumerate(points):
            distances, indices = self._neighbours(point)
            neighbour, lambda_ = self._neighbour_and_lambda(distances, indices)
            labels[i], strengths[i] = self._cluster_and_probability(neighbour, lambda_)
            row_lambda = float(self.point_lambda[neighbour])
            scores[i] = self._outlier_score(neighbour, row_lambda if distances.min() == 0 else lambda_)
            soft[i] = self._membership(point, neighbour, min(lambda_, row_lambda))
        return labels, strengths, scores, soft

    def _neighbours(self, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The 2 min_samples nearest training points, nearest first (the KD-tree's query)."""
        distances = np.sqrt(((self.raw_data - point) ** 2).sum(axis=1))
        k = min(2 * self.min_samples, len(distances))
        nearest = np.argpartition(distances, k - 1)[:k]
        nearest = nearest[np.lexsort((nearest, distances[nearest]))]
        return distances[nearest], nearest

    def _neighbour_and_lambda(self, distances, indices) -> tuple[int, float]:
        """The nearest neighbour by mutual reachability and the lambda the point joins it at."""
        mutual = np.maximum(np.maximum(self.core_distances[indices], distances[self.min_samples]),
                            distances)
        nearest = int(mutual.argmin())
        lambda_ = 1.0 / mutual[nearest] if mutual[nearest] > 0.0 else DBL_MAX
        return int(indices[nearest]), float(lambda_)

    def _node(self, node_id: int) -> int:
        return int(node_id) - self.root

    def _cluster_and_probability(self, neighbour: int, lambda_: float) -> tuple[int, float]:
        cluster = int(self.point_parent[neighbour])
        if self.point_lambda[neighbour] > lambda_:  # walk up to the cluster alive at lambda_
            while cluster > self.root:
                parent = self.parent_of.get(cluster)
                if parent is None or not self.lambda_of[cluster] >= lambda_:
                    break
                cluster = parent
        label = int(self.label[self._node(cluster)])
        if label < 0:
            return NOISE, 0.0
        max_lambda = float(self.max_lambda[self._node(cluster)])
        if max_lambda > 0.0:
            return label, min(max_lambda, lambda_) / max_lambda
        return label, 1.0

    def _outlier_score(self, neighbour: int, lambda_: float) -> float:
        max_lambda = float(self.subtree_max_lambda[self._node(self.point_parent[neighbour])])
        return (max_lambda - lambda_) / max_lambda if max_lambda > 0.0 else 0.0

    def _merge_heights(self, point_cluster: int, point_lambda: float) -> np.ndarray:
        """Per selected cluster: the lambda at which it merges with ``point_cluster``'s branch
        (``point_lambda`` when one lies below the other)."""
        heights = np.empty(len(self.clusters))
        for i, right in enumerate(self.clusters.tolist()):
            left, took_left, took_right, last = point_cluster, False, False, None
            while left != right:
                if left > right:
                    took_left, last, left = True, left, self.parent_of.get(left, left)
                else:
                    took_right, last, right = True, right, self.parent_of.get(right, right)
            heights[i] = self.lambda_of[last] if took_left and took_right else point_lambda
        return heights

    def _membership(self, point: np.ndarray, neighbour: int, lambda_: float) -> np.ndarray:
        nearest = np.array([np.sqrt(((e - point) ** 2).sum(axis=1)).min() for e in self.exemplars])
        with np.errstate(divide="ignore"):
            distance = np.where(nearest != 0, 1.0 / nearest, DBL_MAX / len(nearest))
        distance /= distance.sum()
        point_cluster = int(self.point_parent[neighbour])
        max_lambda = float(self.leaf_max_lambda[self._node(point_cluster)])
        # hdbscan's per-cluster scores take the lambda as float32
        heights = self._merge_heights(point_cluster, float(np.float32(lambda_)))
        denominator = max_lambda - heights
        outlier = max_lambda / np.where(denominator <= 0, 1e-8, denominator)
        outlier = np.exp(outlier - np.nanmax(outlier))
        outlier /= outlier.sum()
        vector = distance**0.5 * outlier**2.0
        vector /= vector.sum()
        heights = self._merge_heights(point_cluster, lambda_)
        nearest_cluster = int(self.clusters[heights.argmax()])
        in_some = heights.max() / (max(lambda_, float(self.leaf_max_lambda[self._node(nearest_cluster)]))
                                   + 1e-8)
        return vector * in_some
