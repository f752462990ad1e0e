"""The labelled leaderboard: every featurizer x clusterer, merged labels, one row each."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs

from motion_assets.core.evaluation.config import LeaderboardConfig
from motion_assets.core.evaluation.labels import evaluate_on_labels
from motion_assets.core.sequences.config import LabelProcessingConfig

RAW_LABELS = np.array(["videos_ok", "videos_nok_eletric", "videos_nok_apperance"])


@pytest.fixture(scope="module")
def labelled():
    points, truth = make_blobs(240, centers=2, n_features=10, cluster_std=1.0, random_state=5)
    # label 0 -> videos_ok; label 1 -> one of two "nok" folders that the merge map unites
    raw = np.where(truth == 0, RAW_LABELS[0], RAW_LABELS[1 + np.arange(240) % 2])
    noise = np.random.default_rng(0).normal(size=(240, 30))
    return {"good": points, "noise": sp.csr_matrix(np.abs(noise))}, raw


MERGE = LabelProcessingConfig(merge_map={
    "videos_nok_eletric": "nok", "videos_nok_apperance": "nok", "videos_ok": "ok"})


def test_merge_map_unites_labels():
    merged = LabelProcessingConfig(merge_map={"videos_nok_eletric": "nok",
                                              "videos_nok_apperance": "nok"}).merged(
        [*RAW_LABELS.tolist(), None])
    assert merged == ["videos_ok", "nok", "nok", None]


def test_leaderboard_has_every_featurizer_and_clusterer_and_ranks_the_good_one_first(labelled):
    features, raw = labelled
    result = evaluate_on_labels(features, MERGE.merged(raw.tolist()))
    board = result.leaderboard
    assert set(board["method"]) == {f"{f}/{c}" for f in ("good", "noise")
                                    for c in ("kmeans_k2", "bayes_gmm_k2", "hdbscan")}
    assert board.iloc[0]["featurizer"] == "good"
    good = board[board["featurizer"] == "good"].set_index("clusterer")
    assert good.loc["kmeans_k2", "ari"] == pytest.approx(1.0)
    assert good.loc["kmeans_k2", "accuracy"] == pytest.approx(1.0)
    assert board[board["featurizer"] == "noise"]["ari"].max() < 0.2
    assert len(result.assignments) == 6 * 240
    assert set(result.assignments.columns) >= {"sequence_index", "method", "cluster",
                                               "probability", "is_unknown"}
    assert list(result.confusions["good/kmeans_k2"].index) == ["nok", "ok"]


def test_k_range_adds_one_row_per_k(labelled):
    features, raw = labelled
    config = LeaderboardConfig(kmin=2, kmax=3)
    board = evaluate_on_labels({"good": features["good"]}, raw, config).leaderboard
    assert set(board["clusterer"]) == {"kmeans_k2", "kmeans_k3", "bayes_gmm_k2",
                                       "bayes_gmm_k3", "hdbscan"}


def test_row_count_mismatch_is_refused(labelled):
    features, raw = labelled
    with pytest.raises(ValueError, match="rows for"):
        evaluate_on_labels({"good": features["good"][:10]}, raw)
