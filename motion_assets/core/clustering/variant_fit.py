"""One clusterer fitted on a variant: stable ids against the previous fit, an assignment for
every row (duplicates copy their original), and a catalog of what each cluster is."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motion_assets.core.clustering.catalog import cluster_catalog
from motion_assets.core.clustering.config import ClusterFitConfig
from motion_assets.core.clustering.pipeline import ClusterPipeline, fit_cluster_pipeline
from motion_assets.core.clustering.signatures import cluster_signatures
from motion_assets.core.clustering.stable_ids import stable_cluster_ids
from motion_assets.core.clustering.summary import cluster_summary
from motion_assets.core.features.tables import matrix_of
from motion_assets.core.sequences.table import codes_of, rows_by_id, unique_sequences

ASSIGNMENT_COLUMNS = ["sequence_id", "cluster", "probability", "outlier_score", "is_noise", "unknown"]


@dataclass
class VariantClustering:
    pipeline: ClusterPipeline  # fitted, reporting stable ids
    table: pd.DataFrame  # ASSIGNMENT_COLUMNS, one row per row of the variant's sequences
    summary: pd.DataFrame  # per cluster: size, share, probability, persistence, representatives
    catalog: pd.DataFrame  # per cluster: size, persistence, signature codes, examples to watch
    fitted_rows: int
    fit_seconds: float


def cluster_variant(config: ClusterFitConfig, sequences: pd.DataFrame, embeddings: pd.DataFrame,
                    variant: str, previous: pd.DataFrame | None = None,
                    label_count: int | None = None) -> VariantClustering:
    """Fit on the variant's unique sequences (``embeddings`` joined on ``sequence_id``);
    ``previous``: the last assignments table, whose cluster ids the new clusters keep."""
    training = unique_sequences(sequences)
    ids = training["sequence_id"].to_numpy()
    features = matrix_of(rows_by_id(embeddings, ids))
    started = time.perf_counter()
    pipeline = fit_cluster_pipeline(config, features, label_count)
    seconds = time.perf_counter() - started
    current = pd.Series(pipeline.training_assignments_.cluster, index=ids)
    stable = stable_cluster_ids(
        previous.set_index("sequence_id")["cluster"] if previous is not None else None, current)
    mapping = dict(zip(current.to_numpy().tolist(), stable.to_numpy().tolist()))
    pipeline.renumber({c: mapping[c] for c in range(pipeline.n_clusters_) if c in mapping})
    assigned = pipeline.training_assignments_
    summary = cluster_summary(assigned, features, threshold=pipeline.probability_threshold,
                              persistence=pipeline.cluster_persistence())
    signatures = cluster_signatures(codes_of(training), assigned.cluster)
    return VariantClustering(pipeline, assignments_table(pipeline, sequences, ids), summary,
                             cluster_catalog(summary, training, signatures, variant), len(ids), seconds)


def assignments_table(pipeline: ClusterPipeline, sequences: pd.DataFrame,
                      fitted_ids: np.ndarray) -> pd.DataFrame:
    """Every row of ``sequences``: fitted rows keep their fit, duplicates copy their original."""
    training = pipeline.training_assignments_.to_frame(
        pipeline.probability_threshold, fitted_ids).set_index("sequence_id")
    source = sequences["duplicate_of"].fillna(sequences["sequence_id"])
    table = training.loc[source.to_numpy()].reset_index(drop=True)
    table.insert(0, "sequence_id", sequences["sequence_id"].to_numpy())
    return table.rename(columns={"is_unknown": "unknown"})[ASSIGNMENT_COLUMNS]

