"""2-D UMAP of the embeddings, and the pictures users look at in the UI."""

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import MaterializeResult, asset

from motion_assets.core.evaluation import projection
from motion_assets.core.evaluation.cluster_plots import cluster_scatter_png, label_scatter_png
from motion_assets.core.evaluation.config import ProjectionConfig
from motion_assets.core.features.tables import matrix_of
from motion_assets.core.sequences.table import rows_by_id
from motion_assets.defs.clustering.config import ProjectionRunConfig
from motion_assets.defs.config_mirror import to_core
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.ui_metadata import image


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="clustering",
    description="2-D UMAP coordinates per sequence (fit on a sample when large, the rest transformed)",
)
def umap_projection(config: ProjectionRunConfig, sequence_embeddings: pd.DataFrame) -> MaterializeResult:
    settings = to_core(config, ProjectionConfig).visualization.umap
    fit = projection.umap_projection(matrix_of(sequence_embeddings), settings)
    fitted = np.zeros(len(sequence_embeddings), dtype=bool)
    fitted[fit.fitted_rows] = True
    table = pa.table({
        "sequence_id": sequence_embeddings["sequence_id"].astype(str).tolist(),
        "x": fit.coordinates[:, 0], "y": fit.coordinates[:, 1], "fitted": fitted,
    })
    return MaterializeResult(value=table, metadata={"dagster/row_count": table.num_rows,
                                                    "fitted_points": int(fitted.sum())})


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="clustering",
    description="UMAP pictures coloured by HDBSCAN cluster (noise grey), GMM cluster and label "
    "where known; shown in the UI, and kept as PNG bytes in the table",
)
def cluster_plots(umap_projection: pd.DataFrame, hdbscan_clusters: pd.DataFrame,
                  bayes_gmm_clusters: pd.DataFrame, code_sequences: pd.DataFrame) -> MaterializeResult:
    coordinates = umap_projection[["x", "y"]].to_numpy()
    ids = umap_projection["sequence_id"]
    pictures = {
        "hdbscan": cluster_scatter_png(coordinates, rows_by_id(hdbscan_clusters, ids)["cluster"].to_numpy(),
                                       title="HDBSCAN clusters (noise grey)"),
        "bayes_gmm": cluster_scatter_png(coordinates, rows_by_id(bayes_gmm_clusters, ids)["cluster"].to_numpy(),
                                         title="Bayesian GMM clusters"),
    }
    labels = rows_by_id(code_sequences, ids)["label"]
    if labels.notna().any():
        pictures["labels"] = label_scatter_png(coordinates, labels.fillna("(unlabelled)").to_numpy(),
                                               title="labels", unknown_label="(unlabelled)")
    table = pa.table({"plot": list(pictures), "png": pa.array(list(pictures.values()), pa.binary())})
    return MaterializeResult(
        value=table,
        metadata={f"{name}_plot": image(png, name) for name, png in pictures.items()},
    )
