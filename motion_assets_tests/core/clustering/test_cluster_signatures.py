"""Cluster signatures: the codes and n-grams that set a cluster apart come first."""

from __future__ import annotations

import numpy as np

from motion_assets.core.clustering.signatures import cluster_signatures


def _codes():
    rng = np.random.default_rng(0)
    codes, clusters = [], []
    for i in range(240):
        cluster = i % 3
        sequence = rng.integers(0, 60, size=42)
        if cluster == 1:
            sequence[10:13] = [70, 71, 72]  # a motif only cluster 1 has
        if cluster == 2:
            sequence[::3] = 90  # a code cluster 2 repeats
        codes.append(sequence)
        clusters.append(cluster if i < 230 else -1)
    return codes, np.array(clusters)


def test_distinguishing_codes_and_ngrams_rank_first():
    codes, clusters = _codes()
    signatures = cluster_signatures(codes, clusters, top_k=3)
    best = signatures[signatures["rank"] == 1].set_index(["cluster", "n"])["term"]
    assert best[(2, 1)] == "90"
    assert best[(1, 3)] == "70-71-72"
    assert best[(1, 2)] in {"70-71", "71-72"}
    motif = signatures[(signatures["cluster"] == 1) & (signatures["term"] == "70-71-72")]
    assert motif["cluster_share"].item() == 1.0
    assert motif["rest_share"].item() < 0.05  # only the few cluster-1 rows marked noise


def test_noise_gets_no_signature_and_ngrams_do_not_cross_sequences():
    codes = [np.array([1, 2]), np.array([3, 4])]
    signatures = cluster_signatures(codes, np.array([0, -1]), ngram_sizes=(2,))
    assert set(signatures["cluster"]) == {0}
    assert signatures["term"].tolist() == ["1-2"]  # never "2-3"
