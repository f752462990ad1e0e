"""Every featurizer x every clusterer, scored against hand labels: the labelled leaderboard.

Takes already-computed feature matrices (dense or scipy.sparse, one per featurizer, rows in
label order), so it does not care how they were made. KMeans and the GMM get k = number of
(merged) labels, or every k in [kmin, kmax] when configured; HDBSCAN runs as configured.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motion_assets.core.clustering.config import ClusteringPipelineConfig
from motion_assets.core.clustering.pipeline import ClusterPipeline, make_clusterer
from motion_assets.core.evaluation.metrics import confusion_frame, label_metrics

METRIC_COLUMNS = ["ari", "ami", "nmi", "homogeneity", "completeness", "v_measure", "purity",
                  "accuracy", "ari_non_noise", "ami_non_noise", "nmi_non_noise",
                  "v_measure_non_noise", "noise_share", "n_clusters"]


@dataclass
class LabelledEvaluation:
    """``leaderboard``: one row per method, best ARI first (method, featurizer, clusterer,
    then METRIC_COLUMNS). ``assignments``: sequence_index, method, cluster, probability,
    is_unknown. ``confusions``: method -> label x cluster count table."""

    leaderboard: pd.DataFrame
    assignments: pd.DataFrame
    confusions: dict[str, pd.DataFrame]


def merge_labels(labels, merge_map: Mapping[str, str]) -> np.ndarray:
    """Labels renamed by ``merge_map`` (labels not in the map stay as they are)."""
    return np.array([merge_map.get(str(label), str(label)) for label in labels], dtype=object)


def clusterers_for(config: ClusteringPipelineConfig, n_labels: int) -> dict[str, ClusterPipeline]:
    """Fresh, unfitted pipelines named e.g. ``kmeans_k5``, ``bayes_gmm_k5``, ``hdbscan``."""
    preprocessing = config.preprocessing.lstm_feature
    ks = range(config.kmin, config.kmax + 1) if config.kmin is not None else [n_labels]
    pipelines: dict[str, ClusterPipeline] = {}
    for k in ks:
        kmeans = dataclasses.replace(config.clustering.kmeans, n_clusters=k)
        gmm = dataclasses.replace(config.clustering.bayes_gmm, n_components=k)
        pipelines[f"kmeans_k{k}"] = make_clusterer("kmeans", kmeans, preprocessing, with_novelty=False)
        pipelines[f"bayes_gmm_k{k}"] = make_clusterer("bayes_gmm", gmm, preprocessing, with_novelty=False)
    pipelines["hdbscan"] = make_clusterer("hdbscan", config.clustering.hdbscan, preprocessing, with_novelty=False)
    return pipelines


def evaluate_on_labels(features: Mapping[str, object], labels,
                       config: ClusteringPipelineConfig | None = None) -> LabelledEvaluation:
    """Fit every clusterer on every featurizer's matrix and score it against ``labels``.

    ``features``: featurizer name -> (n, dims) matrix, dense or sparse, row i = label i.
    Labels are merged by ``config.label_processing.merge_map`` first.
    """
    config = config or ClusteringPipelineConfig()
    truth = merge_labels(labels, config.label_processing.merge_map)
    n_labels = len(np.unique(truth))
    if n_labels < 2:
        raise ValueError(f"need at least two distinct labels, got {n_labels}")
    rows, parts, confusions = [], [], {}
    for featurizer, matrix in features.items():
        if matrix.shape[0] != len(truth):
            raise ValueError(f"featurizer {featurizer!r}: {matrix.shape[0]} rows for "
                             f"{len(truth)} labels")
        for clusterer, pipeline in clusterers_for(config, n_labels).items():
            pipeline.fit(matrix)
            assigned = pipeline.training_assignments_
            method = f"{featurizer}/{clusterer}"
            rows.append({"method": method, "featurizer": featurizer, "clusterer": clusterer,
                         **label_metrics(truth, assigned.cluster)})
            parts.append(pd.DataFrame({
                "sequence_index": np.arange(len(truth), dtype=np.int64),
                "method": method,
                "cluster": assigned.cluster,
                "probability": assigned.probability,
                "is_unknown": assigned.is_unknown(pipeline.probability_threshold),
            }))
            confusions[method] = confusion_frame(truth, assigned.cluster)
    leaderboard = pd.DataFrame(rows)
    leaderboard = leaderboard[["method", "featurizer", "clusterer", *METRIC_COLUMNS]]
    leaderboard = leaderboard.sort_values("ari", ascending=False, kind="stable")
    return LabelledEvaluation(leaderboard.reset_index(drop=True),
                              pd.concat(parts, ignore_index=True), confusions)
