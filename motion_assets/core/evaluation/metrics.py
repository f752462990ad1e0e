"""How good a clustering is: internal metrics, stability, and agreement with labels.

Noise (cluster -1) is treated explicitly everywhere:
- internal metrics (silhouette, Calinski-Harabasz, Davies-Bouldin, DBCV) use non-noise
  points only; ``noise_share`` says how many were left out;
- label metrics come twice: ``ari`` etc. with noise as one more cluster (noise that mixes
  labels is penalised), and ``*_non_noise`` on non-noise points only;
- ``purity`` is over non-noise points; ``accuracy`` is over all points with every noise
  point counted wrong (Hungarian matching never maps noise to a label).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from hdbscan.validity import validity_index
from scipy.optimize import linear_sum_assignment
from sklearn import metrics

from motion_assets.core.clustering.assignments import NOISE
from motion_assets.core.clustering.preprocess import as_dense_features


def _sample(n: int, size: int | None, seed: int) -> np.ndarray:
    if size is None or n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def internal_metrics(features, labels, *, sample_size: int | None = 10_000,
                     dbcv_sample_size: int | None = 3_000, random_state: int = 0) -> dict:
    """Cluster count, noise share and the geometric indices on non-noise points.

    Silhouette, Calinski-Harabasz and Davies-Bouldin use at most ``sample_size`` non-noise
    points, DBCV (``hdbscan.validity.validity_index``, quadratic) at most
    ``dbcv_sample_size``. Each is NaN when fewer than two clusters remain.
    """
    labels = np.asarray(labels)
    kept = np.flatnonzero(labels != NOISE)
    clusters = np.unique(labels[kept])
    result = {
        "n_clusters": len(clusters),
        "noise_share": float((labels == NOISE).mean()) if len(labels) else 0.0,
        "silhouette": np.nan, "calinski_harabasz": np.nan, "davies_bouldin": np.nan,
        "dbcv": np.nan,
    }
    if len(clusters) < 2:
        return result
    data = as_dense_features(features)
    rows = kept[_sample(len(kept), sample_size, random_state)]
    if len(np.unique(labels[rows])) >= 2 and len(rows) > len(np.unique(labels[rows])):
        result["silhouette"] = float(metrics.silhouette_score(data[rows], labels[rows]))
        result["calinski_harabasz"] = float(metrics.calinski_harabasz_score(data[rows], labels[rows]))
        result["davies_bouldin"] = float(metrics.davies_bouldin_score(data[rows], labels[rows]))
    rows = kept[_sample(len(kept), dbcv_sample_size, random_state)]
    sub_labels = labels[rows]
    counts = np.unique(sub_labels, return_counts=True)[1]
    if len(counts) >= 2 and counts.min() >= 2:
        with np.errstate(all="ignore"):
            _, dense_labels = np.unique(sub_labels, return_inverse=True)
            result["dbcv"] = float(validity_index(data[rows], dense_labels))
    return result


# ----------------------------------------------------------------------------- with labels


def hungarian_mapping(true_labels, clusters) -> dict[int, object]:
    """Cluster -> label, one-to-one, maximising agreeing points; noise is never mapped."""
    frame = confusion_frame(true_labels, clusters)
    frame = frame.drop(columns=[NOISE], errors="ignore")
    if frame.empty:
        return {}
    rows, cols = linear_sum_assignment(frame.to_numpy(), maximize=True)
    return {int(frame.columns[c]): frame.index[r] for r, c in zip(rows, cols)
            if frame.iat[r, c] > 0}


def confusion_frame(true_labels, clusters) -> pd.DataFrame:
    """Counts: one row per label (sorted), one column per cluster (-1 = noise, first)."""
    table = pd.crosstab(pd.Series(np.asarray(true_labels), name="label"),
                        pd.Series(np.asarray(clusters, dtype=np.int64), name="cluster"))
    return table.sort_index().sort_index(axis=1)


def purity(true_labels, clusters) -> float:
    """Share of non-noise points whose cluster's majority label is their own."""
    clusters = np.asarray(clusters)
    kept = clusters != NOISE
    if not kept.any():
        return np.nan
    table = confusion_frame(np.asarray(true_labels)[kept], clusters[kept])
    return float(table.max(axis=0).sum() / kept.sum())


def hungarian_accuracy(true_labels, clusters) -> float:
    """Share of all points whose cluster maps to their label (noise counts as wrong)."""
    true_labels = np.asarray(true_labels)
    mapping = hungarian_mapping(true_labels, clusters)
    predicted = np.array([mapping.get(int(c), None) for c in np.asarray(clusters)], dtype=object)
    return float(np.mean(predicted == true_labels.astype(object)))


def _agreement(true_labels, clusters) -> dict:
    h, c, v = metrics.homogeneity_completeness_v_measure(true_labels, clusters)
    return {
        "ari": metrics.adjusted_rand_score(true_labels, clusters),
        "ami": metrics.adjusted_mutual_info_score(true_labels, clusters),
        "nmi": metrics.normalized_mutual_info_score(true_labels, clusters),
        "homogeneity": h, "completeness": c, "v_measure": v,
    }


def label_metrics(true_labels, clusters) -> dict:
    """ARI, AMI, NMI, homogeneity, completeness, V-measure (noise = its own cluster), the same
    with suffix ``_non_noise`` on non-noise points, purity, Hungarian accuracy, noise share."""
    true_labels = np.asarray(true_labels)
    clusters = np.asarray(clusters, dtype=np.int64)
    if len(true_labels) != len(clusters):
        raise ValueError(f"{len(true_labels)} labels but {len(clusters)} cluster assignments")
    result = {name: float(value) for name, value in _agreement(true_labels, clusters).items()}
    kept = clusters != NOISE
    if kept.sum() >= 2:
        non_noise = _agreement(true_labels[kept], clusters[kept])
    else:
        non_noise = dict.fromkeys(result, np.nan)
    result.update({f"{name}_non_noise": float(value) for name, value in non_noise.items()})
    result["purity"] = purity(true_labels, clusters)
    result["accuracy"] = hungarian_accuracy(true_labels, clusters)
    result["noise_share"] = float((~kept).mean())
    result["n_clusters"] = len(np.unique(clusters[kept]))
    return result


# ----------------------------------------------------------------------------- stability


def best_match_jaccard(reference, other) -> dict[int, float]:
    """For each reference cluster: the best Jaccard overlap with any cluster of ``other``
    (same points, noise excluded on both sides; 0 when all its points became noise)."""
    reference = np.asarray(reference)
    other = np.asarray(other)
    out = {}
    for cluster in np.unique(reference[reference != NOISE]):
        members = reference == cluster
        best = 0.0
        for candidate in np.unique(other[members & (other != NOISE)]):
            match = other == candidate
            best = max(best, (members & match).sum() / (members | match).sum())
        out[int(cluster)] = float(best)
    return out


def stability(features, make_clusterer: Callable[[], object], reference_labels, *,
              n_resamples: int = 5, sample_fraction: float = 0.8,
              random_state: int = 0) -> tuple[dict, pd.DataFrame]:
    """Refit on ``n_resamples`` random subsamples (without replacement: duplicated points
    would fake density for HDBSCAN) and compare with the reference labels on the points each
    subsample holds.

    Returns ``({"stability_ari_mean", "stability_ari_std", "stability_jaccard_mean"},
    per_cluster)`` where ``per_cluster`` has cluster, jaccard_mean, jaccard_min. ARI treats
    noise as its own cluster.
    """
    data = as_dense_features(features)
    reference_labels = np.asarray(reference_labels)
    rng = np.random.default_rng(random_state)
    size = max(2, round(sample_fraction * len(data)))
    aris, jaccards = [], []
    for _ in range(n_resamples):
        rows = np.sort(rng.choice(len(data), size=size, replace=False))
        labels = np.asarray(make_clusterer().fit(data[rows]).labels_)  # type: ignore[attr-defined]
        aris.append(metrics.adjusted_rand_score(reference_labels[rows], labels))
        jaccards.append(best_match_jaccard(reference_labels[rows], labels))
    clusters = sorted(np.unique(reference_labels[reference_labels != NOISE]).tolist())
    per_cluster = pd.DataFrame({
        "cluster": clusters,
        "jaccard_mean": [np.mean([j.get(c, 0.0) for j in jaccards]) for c in clusters],
        "jaccard_min": [np.min([j.get(c, 0.0) for j in jaccards]) for c in clusters],
    })
    summary = {
        "stability_ari_mean": float(np.mean(aris)),
        "stability_ari_std": float(np.std(aris)),
        "stability_jaccard_mean": float(per_cluster["jaccard_mean"].mean()) if clusters else np.nan,
    }
    return summary, per_cluster
