"""How good the clusterings are: internal metrics, stability, and agreement with labels."""

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult, MetadataValue, asset

from motion_assets.core.evaluation.metrics import internal_metrics, label_metrics, stability
from motion_assets.core.features.draws import sample_rows
from motion_assets.core.features.tables import matrix_of
from motion_assets.core.sequences.table import rows_by_id, unique_sequences
from motion_assets.defs.model_records import load_recorded_model
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.ui_metadata import readable_table

STABILITY_RESAMPLES = 3
STABILITY_MAX_POINTS = 5000  # refits are the cost: subsample big variants first


def _stability(pipeline, features: np.ndarray, labels: np.ndarray, seed: int = 0):
    rows = sample_rows(len(features), STABILITY_MAX_POINTS, seed)
    settings = pipeline.clusterer.decided_config()
    return stability(features[rows], lambda: pipeline.unfitted_copy(settings, with_novelty=False),
                     labels[rows], n_resamples=STABILITY_RESAMPLES)


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="clustering",
    ins={"hdbscan_model": AssetIn(), "bayes_gmm_model": AssetIn()},
    description="Per clusterer: silhouette, Calinski-Harabasz, Davies-Bouldin, DBCV, noise share, "
    "bootstrap stability, and label agreement where the variant's files carry labels",
)
def cluster_quality(
    context: AssetExecutionContext,
    code_sequences: pd.DataFrame,
    sequence_embeddings: pd.DataFrame,
    hdbscan_clusters: pd.DataFrame,
    bayes_gmm_clusters: pd.DataFrame,
    hdbscan_model: bytes,
    bayes_gmm_model: bytes,
) -> MaterializeResult:
    training = unique_sequences(code_sequences)
    ids = training["sequence_id"]
    features = matrix_of(rows_by_id(sequence_embeddings, ids))
    labels = training["label"].to_numpy()
    labelled = pd.notna(labels)
    rows, per_cluster = [], []
    for name, table, model_bytes in (("hdbscan", hdbscan_clusters, hdbscan_model),
                                     ("bayes_gmm", bayes_gmm_clusters, bayes_gmm_model)):
        pipeline = load_recorded_model(context, f"{name}_model", model_bytes)
        clusters = rows_by_id(table, ids)["cluster"].to_numpy()
        row = {"clusterer": name, **internal_metrics(pipeline.transform(features), clusters)}
        summary, clusters_stability = _stability(pipeline, features, clusters)
        row.update(summary)
        per_cluster.append(clusters_stability.assign(clusterer=name))
        if labelled.sum() >= 2:
            row.update({f"label_{k}": v for k, v in label_metrics(labels[labelled], clusters[labelled]).items()})
        rows.append(row)
    quality = pd.DataFrame(rows)
    shown = quality[[c for c in quality.columns if not c.startswith("label_") or c in
                     ("label_ari", "label_nmi", "label_purity", "label_accuracy")]]
    return MaterializeResult(
        value=quality,
        metadata={
            "dagster/row_count": len(quality),
            "metrics": readable_table(shown, asset="cluster_quality"),
            "stability_per_cluster": readable_table(pd.concat(per_cluster), max_rows=60),
            "labelled_sequences_in_variant": int(labelled.sum()),
            "note": MetadataValue.md("Internal metrics are computed on non-noise points in the "
                                     "clusterer's preprocessed space; stability = ARI/Jaccard of "
                                     f"{STABILITY_RESAMPLES} refits on 80% subsamples, keeping what the "
                                     "fit chose from the data (the mixture's component count)."),
        },
    )
