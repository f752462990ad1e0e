"""Out-of-sample assignment by neighbour vote: a point joins the cluster most of its k nearest
fitted points belong to. numpy only: spectral clustering and the CLI's scoring runtime share it."""

from __future__ import annotations

import numpy as np


def vote_shares(neighbour_labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """``neighbour_labels`` ``(n, k)``: the clusters of each point's k neighbours -> the share
    of them in each cluster ``(n, n_clusters)``, rows summing to 1."""
    n, k = neighbour_labels.shape
    cells = np.arange(n)[:, None] * n_clusters + neighbour_labels
    return np.bincount(cells.ravel(), minlength=n * n_clusters).reshape(n, n_clusters) / k
