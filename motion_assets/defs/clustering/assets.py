"""HDBSCAN and Bayesian GMM fits per variant: a model file plus an assignments table each."""

import time

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import AssetExecutionContext, AssetOut, MaterializeResult, MetadataValue, multi_asset

from motion_assets.core.clustering.config import BayesGmmFitConfig, HdbscanFitConfig
from motion_assets.core.clustering.pipeline import ClusterPipeline, fit_cluster_pipeline
from motion_assets.core.clustering.signatures import cluster_signatures
from motion_assets.core.clustering.stable_ids import stable_cluster_ids
from motion_assets.core.clustering.summary import cluster_summary
from motion_assets.core.features.tables import matrix_of
from motion_assets.core.files.verified_pickle import dumps, sha256_hex
from motion_assets.core.sequences.table import codes_of
from motion_assets.defs.clustering.config import BayesGmmRunConfig, HdbscanRunConfig
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import markdown_table

ASSIGNMENT_COLUMNS = ["sequence_id", "cluster", "probability", "outlier_score", "is_noise", "unknown"]


def assignments_table(pipeline: ClusterPipeline, sequences: pd.DataFrame, fitted: np.ndarray) -> pd.DataFrame:
    """Every row of ``sequences``: fitted rows keep their fit, duplicates copy their original."""
    training = pipeline.training_assignments_.to_frame(
        pipeline.probability_threshold, sequences["sequence_id"].to_numpy()[fitted]
    ).set_index("sequence_id")
    source = sequences["duplicate_of"].fillna(sequences["sequence_id"])
    table = training.loc[source.to_numpy()].reset_index(drop=True)
    table.insert(0, "sequence_id", sequences["sequence_id"].to_numpy())
    return table.rename(columns={"is_unknown": "unknown"})[ASSIGNMENT_COLUMNS]


def _catalog(pipeline, summary: pd.DataFrame, sequences: pd.DataFrame, fitted: np.ndarray,
             signatures: pd.DataFrame) -> pd.DataFrame:
    """Per cluster: size, persistence, examples to watch, and the codes that set it apart."""
    rows = []
    for record in summary.itertuples(index=False):
        if record.cluster < 0:
            continue
        examples = sequences.iloc[fitted[record.representatives]]
        watch = examples["video_segment_path"].fillna(examples["sequence_id"]).tolist()
        terms = signatures[(signatures["cluster"] == record.cluster) & (signatures["rank"] <= 3)]
        rows.append({
            "cluster": record.cluster, "size": record.size, "share": round(record.share, 3),
            "mean_probability": round(record.mean_probability, 3),
            "persistence": round(record.persistence, 3) if not np.isnan(record.persistence) else None,
            "signature": " ".join(f"{t}" for t in terms["term"]),
            "examples": " ; ".join(watch[:3]),
        })
    return pd.DataFrame(rows)


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
        def cluster_assets(context: AssetExecutionContext, config: BayesGmmRunConfig,
                           previous_tables: PreviousTables, code_sequences: pd.DataFrame,
                           sequence_embeddings: pd.DataFrame, labelled_sequences: pd.DataFrame):
            label_count = labelled_sequences["label"].nunique() if len(labelled_sequences) else None
            yield from _fit_and_report(kind, context, to_core(config, BayesGmmFitConfig),
                                       previous_tables, code_sequences, sequence_embeddings,
                                       label_count)
    else:
        def cluster_assets(context: AssetExecutionContext, config: HdbscanRunConfig,
                           previous_tables: PreviousTables, code_sequences: pd.DataFrame,
                           sequence_embeddings: pd.DataFrame):
            yield from _fit_and_report(kind, context, to_core(config, HdbscanFitConfig),
                                       previous_tables, code_sequences, sequence_embeddings, None)
    return decorate(cluster_assets)


def _fit_and_report(kind, context, core, previous_tables, code_sequences, sequence_embeddings,
                    label_count):
    fitted = np.flatnonzero(code_sequences["duplicate_of"].isna().to_numpy())
    features = matrix_of(sequence_embeddings)[fitted]
    started = time.perf_counter()
    pipeline = fit_cluster_pipeline(core, features, label_count)
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
                              persistence=pipeline.cluster_persistence())
    codes = codes_of(code_sequences)
    signatures = cluster_signatures([codes[i] for i in fitted], assigned.cluster)
    catalog = _catalog(pipeline, summary, code_sequences, fitted, signatures)
    model_bytes = dumps(pipeline)
    yield MaterializeResult(
        asset_key=f"{kind}_clusters",
        value=pa.Table.from_pandas(table, preserve_index=False),
        metadata={
            "dagster/row_count": len(table),
            "clusters": int(pipeline.n_clusters_),
            "noise_share": float(table["is_noise"].mean()),
            "unknown_share": float(table["unknown"].mean()),
            "probability_threshold": pipeline.probability_threshold,
            "fitted_sequences": len(fitted),
            "feature_dims_after_preprocessing": int(pipeline.preprocessor.n_components_),
            "stable_ids_from_previous_fit": previous is not None,
            "clusters_catalog": markdown_table(catalog, max_rows=40, max_chars=120),
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


def _model_details(pipeline: ClusterPipeline) -> dict:
    return {key: markdown_table(value, max_rows=20) if isinstance(value, pd.DataFrame) else value
            for key, value in pipeline.fit_report().items() if key != "persistence"}


hdbscan_clusters = _make_cluster_assets("hdbscan", "HDBSCAN")
bayes_gmm_clusters = _make_cluster_assets("bayes_gmm", "Bayesian Gaussian mixture")
