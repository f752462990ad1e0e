"""Every featurizer x every clusterer, scored against hand labels: the labelled leaderboard.

Takes already-computed feature matrices (dense or scipy.sparse, one per featurizer, rows in
label order), so it does not care how they were made. KMeans and the GMM get k = number of
labels, or every k in [kmin, kmax] when configured; HDBSCAN runs as configured. The labels
come merged already (labelled_sequences merges them, core/sequences/config.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motion_assets.core.clustering.pipeline import ClusterPipeline, make_clusterer
from motion_assets.core.evaluation.config import LeaderboardConfig
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


def clusterers_for(config: LeaderboardConfig, n_labels: int,
                   deployed: Mapping[str, ClusterPipeline] | None = None) -> dict[str, ClusterPipeline]:
    """Fresh, unfitted pipelines named e.g. ``kmeans_k5``, ``bayes_gmm_k5``, ``hdbscan``.

    ``deployed``: the fitted ``hdbscan`` and ``bayes_gmm`` pipelines whose settings and
    preprocessing the grid repeats (KMeans takes the GMM's preprocessing); defaults otherwise."""
    deployed = deployed or {}
    hdbscan = deployed.get("hdbscan") or make_clusterer("hdbscan", with_novelty=False)
    gmm = deployed.get("bayes_gmm") or make_clusterer("bayes_gmm", with_novelty=False)
    ks = range(config.kmin, config.kmax + 1) if config.kmin is not None else [n_labels]
    pipelines: dict[str, ClusterPipeline] = {}
    for k in ks:
        kmeans = dataclasses.replace(config.clustering.kmeans, n_clusters=k)
        pipelines[f"kmeans_k{k}"] = make_clusterer("kmeans", kmeans, gmm.preprocessor.config,
                                                   with_novelty=False)
        pipelines[f"bayes_gmm_k{k}"] = gmm.unfitted_copy(
            dataclasses.replace(gmm.clusterer.config, n_components=k), with_novelty=False)
    pipelines["hdbscan"] = hdbscan.unfitted_copy(with_novelty=False)
    return pipelines


def evaluate_on_labels(features: Mapping[str, object], labels,
                       config: LeaderboardConfig | None = None,
                       deployed: Mapping[str, ClusterPipeline] | None = None) -> LabelledEvaluation:
    """Fit every clusterer on every featurizer's matrix and score it against ``labels``.

    ``features``: featurizer name -> (n, dims) matrix, dense or sparse, row i = label i.
    ``deployed``: see :func:`clusterers_for`.
    """
    config = config or LeaderboardConfig()
    truth = np.asarray(labels, dtype=object)
    n_labels = len(np.unique(truth))
    if n_labels < 2:
        raise ValueError(f"need at least two distinct labels, got {n_labels}")
    rows, parts, confusions = [], [], {}
    for featurizer, matrix in features.items():
        if matrix.shape[0] != len(truth):
            raise ValueError(f"featurizer {featurizer!r}: {matrix.shape[0]} rows for "
                             f"{len(truth)} labels")
        for clusterer, pipeline in clusterers_for(config, n_labels, deployed).items():
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
