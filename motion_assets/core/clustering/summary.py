"""What one fit found: per-cluster sizes, persistence and the most representative members."""

from __future__ import annotations

import numpy as np
import pandas as pd

from motion_assets.core.clustering.assignments import Assignments
from motion_assets.core.clustering.preprocess import as_dense_features


def representative_members(assignments: Assignments, features=None, *,
                           n_members: int = 5) -> dict[int, list[int]]:
    """Row indices of each cluster's most typical members, best first.

    Highest probability first (HDBSCAN's membership strength is 1 for a cluster's core, the
    closest thing to its exemplars); ties, and clusterers whose probability is always 1,
    are broken by distance to the cluster centroid when ``features`` are given, else by the
    outlier score.
    """
    clusters = assignments.cluster
    dense = None if features is None else as_dense_features(features)
    out: dict[int, list[int]] = {}
    for cluster in np.unique(clusters[clusters >= 0]):
        members = np.flatnonzero(clusters == cluster)
        if dense is not None:
            centroid = dense[members].mean(axis=0)
            tie_break = np.linalg.norm(dense[members] - centroid, axis=1)
        else:
            tie_break = assignments.outlier_score[members]
        order = np.lexsort((members, tie_break, -assignments.probability[members]))
        out[int(cluster)] = members[order[:n_members]].tolist()
    return out


def cluster_summary(assignments: Assignments, features=None, *, persistence=None,
                    n_members: int = 5, threshold: float = 0.0) -> pd.DataFrame:
    """One row per cluster (noise as cluster -1 when present).

    Columns: cluster, size, share (of all sequences), mean_probability,
    mean_outlier_score, unknown_share (below ``threshold`` or noise), persistence (HDBSCAN
    ``cluster_persistence_``, NaN otherwise and for noise), representatives (row indices).
    """
    clusters = assignments.cluster
    representatives = representative_members(assignments, features, n_members=n_members)
    unknown = assignments.is_unknown(threshold)
    rows = []
    for cluster in np.unique(clusters):
        mask = clusters == cluster
        has_persistence = persistence is not None and 0 <= cluster < len(persistence)
        rows.append({
            "cluster": int(cluster),
            "size": int(mask.sum()),
            "share": float(mask.mean()),
            "mean_probability": float(assignments.probability[mask].mean()),
            "mean_outlier_score": float(assignments.outlier_score[mask].mean()),
            "unknown_share": float(unknown[mask].mean()),
            "persistence": float(persistence[cluster]) if has_persistence else np.nan,
            "representatives": representatives.get(int(cluster), []),
        })
    columns = ["cluster", "size", "share", "mean_probability", "mean_outlier_score",
               "unknown_share", "persistence", "representatives"]
    return pd.DataFrame(rows, columns=columns)
