"""HDBSCAN and Bayesian GMM fits per variant: a model file plus an assignments table each."""

import pandas as pd
import pyarrow as pa
from dagster import AssetExecutionContext, AssetOut, MaterializeResult, MetadataValue, multi_asset

from motion_assets.core.clustering.config import BayesGmmFitConfig, HdbscanFitConfig
from motion_assets.core.clustering.pipeline import ClusterPipeline
from motion_assets.core.clustering.variant_fit import cluster_variant
from motion_assets.core.files.verified_pickle import dumps, sha256_hex
from motion_assets.defs.clustering.config import BayesGmmRunConfig, HdbscanRunConfig
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import readable_table


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
    previous = previous_tables.read(f"{kind}_clusters", context.partition_key)
    fit = cluster_variant(core, code_sequences, sequence_embeddings, context.partition_key,
                          previous, label_count)
    pipeline, table, summary = fit.pipeline, fit.table, fit.summary
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
            "fitted_sequences": fit.fitted_rows,
            "feature_dims_after_preprocessing": int(pipeline.preprocessor.n_components_),
            "stable_ids_from_previous_fit": previous is not None,
            "clusters_catalog": readable_table(fit.catalog, asset="clusters_catalog", max_rows=60, max_chars=200),
            "cluster_sizes": MetadataValue.json(
                {int(c): int(n) for c, n in zip(summary["cluster"], summary["size"])}),
            "fit_seconds": round(fit.fit_seconds, 2),
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
    return {key: readable_table(value, max_rows=20) if isinstance(value, pd.DataFrame) else value
            for key, value in pipeline.fit_report().items() if key != "persistence"}


hdbscan_clusters = _make_cluster_assets("hdbscan", "HDBSCAN")
bayes_gmm_clusters = _make_cluster_assets("bayes_gmm", "Bayesian Gaussian mixture")
