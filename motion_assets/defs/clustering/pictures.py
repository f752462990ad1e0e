"""2-D UMAP of the embeddings, and the pictures users look at in the UI."""

import numpy as np
import pandas as pd
import pyarrow as pa
from dagster import MaterializeResult, asset

from motion_assets.core.evaluation import projection
from motion_assets.core.evaluation.cluster_plots import density_png
from motion_assets.core.evaluation.config import ProjectionConfig
from motion_assets.core.evaluation.report_pictures import umap_pictures
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
    return MaterializeResult(value=table, metadata={
        "dagster/row_count": table.num_rows, "fitted_points": int(fitted.sum()),
        "umap_density": image(density_png(fit.coordinates, title=f"UMAP of {table.num_rows} "
                                          "sequence embeddings: point density"), "umap_density")})


@asset(
    partitions_def=dataset_variants,
    io_manager_key="tables",
    kinds={"parquet"},
    group_name="clustering",
    description="The pictures for a report: the UMAP coloured by HDBSCAN cluster (noise light "
    "grey), by mixture cluster and by label where the variant has labels, and the cluster sizes; "
    "shown in the UI, and kept as PNG bytes in the table",
)
def cluster_plots(umap_projection: pd.DataFrame, hdbscan_clusters: pd.DataFrame,
                  bayes_gmm_clusters: pd.DataFrame, code_sequences: pd.DataFrame) -> MaterializeResult:
    ids = umap_projection["sequence_id"]
    pictures = umap_pictures(umap_projection[["x", "y"]].to_numpy(),
                             {"hdbscan": rows_by_id(hdbscan_clusters, ids)["cluster"].to_numpy(),
                              "bayes_gmm": rows_by_id(bayes_gmm_clusters, ids)["cluster"].to_numpy()},
                             rows_by_id(code_sequences, ids)["label"].to_numpy(dtype=object))
    table = pa.table({"plot": list(pictures), "png": pa.array(list(pictures.values()), pa.binary())})
    return MaterializeResult(
        value=table,
        metadata={"dagster/row_count": table.num_rows,
                  **{name: image(png, name) for name, png in pictures.items()}},
    )
