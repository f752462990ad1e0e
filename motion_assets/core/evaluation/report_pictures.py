"""The set of pictures a person puts in a report on one variant's clusterings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from motion_assets.core.evaluation.cluster_plots import (
    cluster_scatter_png,
    cluster_sizes_png,
    label_scatter_png,
)

TITLES = {"hdbscan": "HDBSCAN", "bayes_gmm": "Bayesian Gaussian mixture"}
UNLABELLED = "(unlabelled)"


def umap_pictures(coordinates: np.ndarray, clusterings: dict[str, np.ndarray],
                  labels: np.ndarray) -> dict[str, bytes]:
    """Name -> PNG: per clustering the UMAP by cluster and the cluster sizes; the UMAP by label
    when any sequence has one. ``clusterings``: name -> cluster id per row (-1 noise)."""
    pictures = {}
    for name, clusters in clusterings.items():
        title = TITLES.get(name, name)
        noise = int((np.asarray(clusters) < 0).sum())
        pictures[f"umap_by_{name}_cluster"] = cluster_scatter_png(
            coordinates, clusters, title=f"UMAP coloured by {title} cluster "
            f"({len(clusters)} sequences, {noise} noise in light grey)")
        pictures[f"{name}_cluster_sizes"] = cluster_sizes_png(
            clusters, title=f"{title}: sequences per cluster")
    known = pd.notna(labels)
    if known.any():
        pictures["umap_by_label"] = label_scatter_png(
            coordinates, np.where(known, labels, UNLABELLED).astype(object),
            title=f"UMAP coloured by label ({int(known.sum())} of {len(labels)} labelled)",
            unknown_label=UNLABELLED)
    return pictures
