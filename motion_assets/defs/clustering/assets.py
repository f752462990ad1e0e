"""HDBSCAN and Bayesian GMM fits per variant: a model file plus an assignments table each."""

import time

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import AssetExecutionContext, AssetOut, MaterializeResult, MetadataValue, multi_asset

from motion_assets.core.clustering.config import ClusteringPipelineConfig
from motion_assets.core.clustering.pipeline import (
    ClusterPipeline,
    gmm_config_for_labels,
    make_clusterer,
)
from motion_assets.core.clustering.signatures import cluster_signatures
from motion_assets.core.clustering.stable_ids import stable_cluster_ids
from motion_assets.core.clustering.summary import cluster_summary
from motion_assets.core.evaluation.catalog import cluster_catalog
from motion_assets.core.features.tables import matrix_of
from motion_assets.core.files.verified_pickle import dumps, sha256_hex
from motion_assets.core.sequences.table import codes_of
from motion_assets.defs.clustering.config import ClusteringRunConfig
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import readable_table

ASSIGNMENT_COLUMNS = ["sequence_id", "cluster", "probability", "outlier_score", "is_noise", "unknown"]


def fit_pipeline(kind: str, config: ClusteringPipelineConfig, features: np.ndarray,
                 label_count: int | None = None) -> ClusterPipeline:
    settings = getattr(config.clustering, kind)
    if kind == "bayes_gmm":
        settings = gmm_config_for_labels(settings, label_count)
    return make_clusterer(kind, settings, config.preprocessing.lstm_feature).fit(features)


def assignments_table(pipeline: ClusterPipeline, sequences: pd.DataFrame, fitted: np.ndarray) -> pd.DataFrame:
    """Every row of ``sequences``: fitted rows keep their fit, duplicates copy their original."""
    training = pipeline.training_assignments_.to_frame(
        pipeline.probability_threshold, sequences["sequence_id"].to_numpy()[fitted]
    ).set_index("sequence_id")
    source = sequences["duplicate_of"].fillna(sequences["sequence_id"])
    table = training.loc[source.to_numpy()].reset_index(drop=True)
    table.insert(0, "sequence_id", sequences["sequence_id"].to_numpy())
    return table.rename(columns={"is_unknown": "unknown"})[ASSIGNMENT_COLUMNS]


def _make_cluster_assets(kind: str, title: str):
    decorate = multi_asset(
        name=f"{kind}_clusters",
        outs={
            f"{kind}_clusters": AssetOut(
                io_manager_key="tables", kinds={"parquet"}, group_name="clustering",
                description=f"{title} assignment per sequence: cluster (stable ids, -1 noise), "
                "probability, outlier score, noise and unknown flags",
            ),
            f"{kind}_model": AssetOut(
                io_manager_key="model_files", kinds={"sklearn"}, group_name="clustering",
                description=f"The fitted preprocessing + {title} pipeline (pickle; loaded only "
                "after its content hash matched the record)",
            ),
        },
        partitions_def=dataset_variants,
    )
    if kind == "bayes_gmm":  # n_components 0: the labelled subset's label count
        def cluster_assets(context: AssetExecutionContext, config: ClusteringRunConfig,
                           previous_tables: PreviousTables, code_sequences: pd.DataFrame,
                           sequence_embeddings: pd.DataFrame, labelled_sequences: pd.DataFrame):
            label_count = labelled_sequences["label"].nunique() if len(labelled_sequences) else None
            yield from _fit_and_report(kind, context, config, previous_tables, code_sequences,
                                       sequence_embeddings, label_count)
    else:
        def cluster_assets(context: AssetExecutionContext, config: ClusteringRunConfig,
                           previous_tables: PreviousTables, code_sequences: pd.DataFrame,
                           sequence_embeddings: pd.DataFrame):
            yield from _fit_and_report(kind, context, config, previous_tables, code_sequences,
                                       sequence_embeddings, None)
    return decorate(cluster_assets)


def _fit_and_report(kind, context, config, previous_tables, code_sequences, sequence_embeddings,
                    label_count):
    core = to_core(config, ClusteringPipelineConfig)
    fitted = np.flatnonzero(code_sequences["duplicate_of"].isna().to_numpy())
    features = matrix_of(sequence_embeddings)[fitted]
    started = time.perf_counter()
    pipeline = fit_pipeline(kind, core, features, label_count)
    seconds = time.perf_counter() - started
    previous = previous_tables.read(f"{kind}_clusters", context.partition_key)
    ids = code_sequences["sequence_id"].to_numpy()[fitted]
    current = pd.Series(pipeline.training_assignments_.cluster, index=ids)
    previous_series = previous.set_index("sequence_id")["cluster"] if previous is not None else None
    stable = stable_cluster_ids(previous_series, current)
    mapping = dict(zip(current.to_numpy().tolist(), stable.to_numpy().tolist()))
    pipeline.renumber({c: mapping[c] for c in range(pipeline.n_clusters_) if c in mapping})
    table = assignments_table(pipeline, code_sequences, fitted)
    assigned = pipeline.training_assignments_
    summary = cluster_summary(assigned, features, threshold=pipeline.probability_threshold,
                              persistence=_persistence(pipeline))
    codes = codes_of(code_sequences)
    signatures = cluster_signatures([codes[i] for i in fitted], assigned.cluster)
    catalog = cluster_catalog(summary, code_sequences.iloc[fitted].reset_index(drop=True),
                              signatures, context.partition_key)
    model_bytes = dumps(pipeline)
    yield MaterializeResult(
        asset_key=f"{kind}_clusters",
        value=pa.Table.from_pandas(table, preserve_index=False),
        metadata={
            "dagster/row_count": len(table),
            "clusters": int(pipeline.n_clusters_),
            "noise_share": round(float(table["is_noise"].mean()), 3),
            "unknown_share": round(float(table["unknown"].mean()), 3),
            "probability_threshold": pipeline.probability_threshold,
            "fitted_sequences": len(fitted),
            "feature_dims_after_preprocessing": int(pipeline.preprocessor.n_components_),
            "stable_ids_from_previous_fit": previous is not None,
            "clusters_catalog": readable_table(catalog, asset="clusters_catalog", max_rows=60, max_chars=200),
            "cluster_sizes": MetadataValue.json(
                {int(c): int(n) for c, n in zip(summary["cluster"], summary["size"])}),
            "fit_seconds": round(seconds, 2),
            **_model_details(pipeline),
        },
    )
    yield MaterializeResult(
        asset_key=f"{kind}_model",
        value=model_bytes,
        metadata={"content_hash": sha256_hex(model_bytes), "bytes": len(model_bytes),
                  "config": MetadataValue.json(core.to_dict())},
    )


def _persistence(pipeline: ClusterPipeline):
    persistence = getattr(pipeline.clusterer, "persistence_", None)
    if persistence is None:
        return None
    ordered = np.full(len(persistence), np.nan)
    for clusterer_id, stable_id in pipeline.cluster_ids_.items():
        if stable_id < len(ordered):
            ordered[stable_id] = persistence[clusterer_id]
    return ordered


def _model_details(pipeline: ClusterPipeline) -> dict:
    clusterer = pipeline.clusterer
    details = {}
    if getattr(clusterer, "grid_", None) is not None and len(clusterer.grid_):
        details["min_cluster_size_grid"] = readable_table(pd.DataFrame(clusterer.grid_))
    if hasattr(clusterer, "effective_components_"):
        details["components"] = int(clusterer.model_.n_components)
        details["effective_components"] = int(clusterer.effective_components_)
        if getattr(clusterer, "bic_", None) is not None:
            details["components_by_bic"] = readable_table(clusterer.bic_.round(1), max_rows=20)
        details["covariance_type"] = str(clusterer.covariance_type_)
        details["converged"] = bool(clusterer.converged_)
    return details


hdbscan_clusters = _make_cluster_assets("hdbscan", "HDBSCAN")
bayes_gmm_clusters = _make_cluster_assets("bayes_gmm", "Bayesian Gaussian mixture")
