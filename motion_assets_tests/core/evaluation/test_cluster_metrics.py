"""Metrics: agree with scikit-learn, hand-computed purity/accuracy, explicit noise handling."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics
from sklearn.datasets import make_blobs

from motion_assets.core.clustering.config import KMeansConfig
from motion_assets.core.clustering.pipeline import KMeansClusterer
from motion_assets.core.evaluation.metrics import (
    best_match_jaccard,
    confusion_frame,
    hungarian_accuracy,
    hungarian_mapping,
    internal_metrics,
    label_metrics,
    purity,
    stability,
)

# Hand-made: 10 points, labels a/b/c, clusters 0/1/2 and two noise points.
TRUTH = np.array(["a", "a", "a", "a", "b", "b", "b", "c", "c", "c"])
CLUSTERS = np.array([0, 0, 0, 1, 1, 1, -1, 2, 2, -1])


def test_label_metrics_with_noise_as_its_own_cluster_match_sklearn():
    result = label_metrics(TRUTH, CLUSTERS)
    assert result["ari"] == pytest.approx(metrics.adjusted_rand_score(TRUTH, CLUSTERS))
    assert result["ami"] == pytest.approx(metrics.adjusted_mutual_info_score(TRUTH, CLUSTERS))
    assert result["nmi"] == pytest.approx(metrics.normalized_mutual_info_score(TRUTH, CLUSTERS))
    assert result["v_measure"] == pytest.approx(metrics.v_measure_score(TRUTH, CLUSTERS))
    assert result["homogeneity"] == pytest.approx(metrics.homogeneity_score(TRUTH, CLUSTERS))
    assert result["completeness"] == pytest.approx(metrics.completeness_score(TRUTH, CLUSTERS))


def test_non_noise_metrics_drop_noise_points():
    kept = CLUSTERS >= 0
    result = label_metrics(TRUTH, CLUSTERS)
    assert result["ari_non_noise"] == pytest.approx(
        metrics.adjusted_rand_score(TRUTH[kept], CLUSTERS[kept]))
    assert result["noise_share"] == pytest.approx(0.2)
    assert result["n_clusters"] == 3


def test_purity_and_hungarian_accuracy_match_the_hand_computation():
    # Non-noise: cluster 0 = aaa (3 right), cluster 1 = a b b (2), cluster 2 = c c (2): 7 / 8.
    assert purity(TRUTH, CLUSTERS) == pytest.approx(7 / 8)
    # Matching 0->a, 1->b, 2->c: 3 + 2 + 2 = 7 right out of all 10 (noise counts wrong).
    assert hungarian_mapping(TRUTH, CLUSTERS) == {0: "a", 1: "b", 2: "c"}
    assert hungarian_accuracy(TRUTH, CLUSTERS) == pytest.approx(7 / 10)


def test_hungarian_maps_one_cluster_per_label_when_a_label_is_split():
    truth = np.array(["a"] * 4 + ["b"] * 2)
    clusters = np.array([0, 0, 1, 1, 2, 2])
    assert hungarian_accuracy(truth, clusters) == pytest.approx(4 / 6)
    assert purity(truth, clusters) == pytest.approx(1.0)


def test_confusion_frame_counts_labels_by_cluster():
    table = confusion_frame(TRUTH, CLUSTERS)
    assert list(table.columns) == [-1, 0, 1, 2]
    assert list(table.index) == ["a", "b", "c"]
    assert table.loc["b", -1] == 1 and table.loc["a", 0] == 3
    assert table.to_numpy().sum() == len(TRUTH)


def test_internal_metrics_match_sklearn_on_non_noise_points():
    points, labels = make_blobs(300, centers=3, n_features=5, random_state=0)
    labels = labels.copy()
    labels[:20] = -1
    result = internal_metrics(points, labels)
    kept = labels >= 0
    assert result["silhouette"] == pytest.approx(metrics.silhouette_score(points[kept], labels[kept]))
    assert result["calinski_harabasz"] == pytest.approx(
        metrics.calinski_harabasz_score(points[kept], labels[kept]))
    assert result["davies_bouldin"] == pytest.approx(
        metrics.davies_bouldin_score(points[kept], labels[kept]))
    assert result["noise_share"] == pytest.approx(20 / 300)
    assert result["n_clusters"] == 3
    assert 0.5 < result["dbcv"] <= 1.0


def test_internal_metrics_sample_large_inputs_and_handle_one_cluster():
    points, labels = make_blobs(3000, centers=3, n_features=5, random_state=0)
    sampled = internal_metrics(points, labels, sample_size=500, dbcv_sample_size=300)
    assert sampled["silhouette"] == pytest.approx(metrics.silhouette_score(points, labels), abs=0.05)
    single = internal_metrics(points, np.zeros(3000, dtype=int))
    assert np.isnan(single["silhouette"]) and np.isnan(single["dbcv"])


def test_best_match_jaccard_is_one_for_a_relabelled_copy_and_zero_for_noise():
    reference = np.array([0, 0, 1, 1, 2, 2])
    assert best_match_jaccard(reference, np.array([5, 5, 3, 3, 4, 4])) == {0: 1.0, 1: 1.0, 2: 1.0}
    assert best_match_jaccard(reference, np.array([5, 5, 3, 3, -1, -1]))[2] == 0.0


def test_stability_is_high_for_well_separated_clusters():
    points, _ = make_blobs(400, centers=4, n_features=6, random_state=1)
    config = KMeansConfig(n_clusters=4)
    reference = KMeansClusterer(config).fit(points).labels_
    summary, per_cluster = stability(points, lambda: KMeansClusterer(config), reference,
                                     n_resamples=3)
    assert summary["stability_ari_mean"] > 0.99
    assert per_cluster["jaccard_min"].min() > 0.99
    assert list(per_cluster["cluster"]) == [0, 1, 2, 3]
