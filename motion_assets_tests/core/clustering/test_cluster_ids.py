"""Stable cluster ids: a refit keeps the ids of the clusters it finds again."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_blobs

from motion_assets.core.clustering.pipeline import HdbscanClusterer
from motion_assets.core.clustering.stable_ids import (
    match_by_members,
    relabel,
    stable_cluster_ids,
)


def _fit(points: np.ndarray, ids: np.ndarray) -> pd.Series:
    return pd.Series(HdbscanClusterer().fit(points).labels_, index=ids)


def test_stable_ids_survive_a_refit_on_shuffled_rows():
    points, _ = make_blobs(600, centers=5, n_features=8, cluster_std=0.8, random_state=4)
    ids = np.array([f"video/seg_{i:04d}" for i in range(len(points))])
    first = stable_cluster_ids(None, _fit(points, ids))
    order = np.random.default_rng(1).permutation(len(points))
    second = stable_cluster_ids(first, _fit(points[order], ids[order]))
    pd.testing.assert_series_equal(second.loc[first.index], first)


def test_first_fit_is_numbered_by_size():
    current = pd.Series([7, 7, 7, 2, 2, -1, 9], index=list("abcdefg"))
    stable = stable_cluster_ids(None, current)
    assert stable.tolist() == [0, 0, 0, 1, 1, -1, 2]


def test_new_clusters_get_fresh_ids_and_noise_stays_noise():
    previous = pd.Series([0, 0, 0, 1, 1, 1, 4, -1], index=list("abcdefgh"))
    # Refit: a-c still together ("5"), d-f ("6"), g ("8"), new rows x and y form "9".
    current = pd.Series([5, 5, 5, 6, 6, 6, 8, 9, 9, -1], index=list("abcdefgxyh"))
    mapping = match_by_members(previous, current)
    assert mapping == {5: 0, 6: 1, 8: 4, 9: 5}  # fresh ids start above every used id
    assert relabel(current.to_numpy(), mapping).tolist() == [0, 0, 0, 1, 1, 1, 4, 5, 5, -1]


def test_weak_overlap_does_not_inherit_an_id():
    previous = pd.Series([0] * 10 + [-1] * 20, index=range(30))
    # Cluster 3 holds one old member of 0 plus 20 former noise rows: Jaccard 1/30.
    current = pd.Series([3] + [-1] * 9 + [3] * 20, index=range(30))
    assert match_by_members(previous, current, min_jaccard=0.2) == {3: 1}


def test_overlap_is_measured_on_sequences_both_fits_share():
    previous = pd.Series([0] * 10, index=range(10))
    # The variant grew: cluster 7 keeps all old members and gains 30 new ones.
    current = pd.Series([7] * 40, index=range(40))
    assert match_by_members(previous, current) == {7: 0}
