"""Choosing the deployed model by evidence: held-out labels, never the labels it learnt from."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from motion_assets.core.clustering.config import KMeansConfig
from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.scoring.deployed import keep_cluster_ids
from motion_assets.core.scoring.model_selection import Candidate, select_deployed_model

N = 300


class Columns:
    """A featurizer that reads feature columns straight from the table."""

    def __init__(self, name, columns):
        self.name, self.columns = name, columns

    def transform(self, table):
        return table[self.columns].to_numpy()


@pytest.fixture(scope="module")
def tables():
    points, truth = make_blobs(N, centers=3, n_features=2, random_state=0, cluster_std=0.5)
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"sequence_id": [f"s{i}" for i in range(N)], "x": points[:, 0],
                          "y": points[:, 1], "noise_a": rng.normal(size=N),
                          "noise_b": rng.normal(size=N), "action": truth.astype(str)})
    labelled = table.iloc[::4].assign(label=lambda t: t["action"]).reset_index(drop=True)
    return table, labelled


def kmeans():
    return make_clusterer("kmeans", KMeansConfig(n_clusters=3), with_novelty=False)


def fixed(featurizer):
    return lambda labelled: featurizer


def test_the_candidate_that_agrees_with_held_out_labels_is_deployed(tables):
    table, labelled = tables
    candidates = [Candidate("noise", "kmeans", fixed(Columns("noise", ["noise_a", "noise_b"])), kmeans),
                  Candidate("signal", "kmeans", fixed(Columns("signal", ["x", "y"])), kmeans)]
    selection = select_deployed_model(candidates, table, labelled)
    assert selection.method == "signal/kmeans"
    assert selection.criterion == "held_out_labels"
    assert selection.table.iloc[0]["held_out_ari"] > 0.9 > selection.table.iloc[1]["held_out_ari"]
    assert selection.record()["reason"].startswith("best ARI on held-out labels")


def test_a_candidate_that_learns_from_labels_never_sees_those_it_is_judged_on(tables):
    table, labelled = tables
    seen = []

    def learning(rows):
        seen.append(set(rows["sequence_id"]))
        return Columns("signal", ["x", "y"])

    select_deployed_model([Candidate("learns", "kmeans", learning, kmeans, uses_labels=True)],
                          table, labelled)
    deployed, *folds = seen
    assert deployed == set(labelled["sequence_id"])  # the deployed fit uses every label
    assert len(folds) == 2 and not folds[0] & folds[1]  # each fold learns from the other's rows


def test_without_labels_stability_decides_and_label_learners_are_skipped(tables):
    table, _ = tables
    candidates = [Candidate("signal", "kmeans", fixed(Columns("signal", ["x", "y"])), kmeans),
                  Candidate("learns", "kmeans", fixed(Columns("signal", ["x", "y"])), kmeans,
                            uses_labels=True)]
    selection = select_deployed_model(candidates, table, None)
    assert selection.criterion == "internal"
    assert list(selection.table["method"]) == ["signal/kmeans"]
    assert selection.table.iloc[0]["stability"] > 0.9


def test_a_redeployed_model_keeps_the_cluster_ids_of_the_bundle_before_it(tables):
    """The taxonomy names clusters by id: a model fitted again, under ids its clusterer chose
    afresh, takes over the ids of the clusters it shares members with."""
    table, _ = tables
    signal = Columns("signal", ["x", "y"])
    before = kmeans().fit(signal.transform(table))
    keep_cluster_ids(before, table, None)
    shuffled = {k: (v + 1) % 3 for k, v in before.cluster_ids_.items()}  # as a refit may number
    previous = SimpleNamespace(pipeline=before.renumber(shuffled), featurizer=signal)
    again = make_clusterer("kmeans", KMeansConfig(n_clusters=3, random_state=7), with_novelty=False)
    again.fit(signal.transform(table))
    keep_cluster_ids(again, table, previous)
    assert (again.labels_ == previous.pipeline.labels_).all()
    assert (again.predict(signal.transform(table)) == previous.pipeline.labels_).all()


def test_a_first_bundle_numbers_its_clusters_by_size(tables):
    table, _ = tables
    pipeline = kmeans().fit(Columns("signal", ["x", "y"]).transform(table.iloc[:200]))
    keep_cluster_ids(pipeline, table.iloc[:200], None)
    sizes = pd.Series(pipeline.labels_).value_counts()
    assert list(sizes.index) == sorted(sizes.index) and sizes.is_monotonic_decreasing


def test_a_big_variant_is_judged_on_a_draw_and_only_the_winner_fitted_on_all(tables):
    table, labelled = tables
    candidates = [Candidate("noise", "kmeans", fixed(Columns("noise", ["noise_a", "noise_b"])), kmeans),
                  Candidate("signal", "kmeans", fixed(Columns("signal", ["x", "y"])), kmeans)]
    selection = select_deployed_model(candidates, table, labelled, sample_size=100)
    assert selection.method == "signal/kmeans"
    assert len(selection.pipeline.labels_) == N  # deployed: every training row
    assert len(selection.fitted["noise/kmeans"][1].labels_) == 100  # judged: the draw
    assert "judged on 100 of 300 training sequences" in selection.reason


def test_the_fold_fits_of_a_label_learner_also_use_only_the_draw(tables):
    table, labelled = tables
    fitted_rows = []

    def counting_kmeans():
        pipeline = kmeans()
        fit = pipeline.fit
        pipeline.fit = lambda features: (fitted_rows.append(len(features)), fit(features))[1]
        return pipeline

    select_deployed_model([Candidate("learns", "kmeans", fixed(Columns("signal", ["x", "y"])),
                                     counting_kmeans, uses_labels=True)],
                          table, labelled, sample_size=100)
    judged, *folds, deployed = fitted_rows
    assert judged == 100 and folds == [100, 100]  # the two folds' fits
    assert deployed == N  # only the winner's refit sees every row


def test_a_remembered_transform_keeps_the_training_features_while_small_tables_pass(tables):
    from motion_assets.core.scoring.deployment_candidates import _RememberedTransform

    table, labelled = tables
    calls = []

    class Counting(Columns):
        def transform(self, rows):
            calls.append(len(rows))
            return super().transform(rows)

    remembered = _RememberedTransform(Counting("signal", ["x", "y"]))
    for _ in range(3 * _RememberedTransform.REMEMBERED_TABLES):
        remembered.transform(table)
        remembered.transform(labelled.sample(10, random_state=len(calls)))
    assert calls.count(N) == 1


def test_a_large_variant_calibrates_on_sequences_the_detector_was_not_fitted_on():
    from motion_assets.core.scoring.deployed import (
        DETECTOR_ROWS,
        SCORED_ROWS,
        _detector_and_scored_rows,
    )

    fit, scored = _detector_and_scored_rows(DETECTOR_ROWS + SCORED_ROWS + 5)
    assert (len(fit), len(scored)) == (DETECTOR_ROWS, SCORED_ROWS)
    assert not set(fit) & set(scored)
    small_fit, small_scored = _detector_and_scored_rows(500)
    assert (small_fit == np.arange(500)).all() and (small_scored == np.arange(500)).all()
