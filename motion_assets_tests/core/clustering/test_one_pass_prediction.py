"""assign_with_membership gives exactly what the libraries' public prediction functions give."""

from __future__ import annotations

import warnings

import hdbscan
import numpy as np
import pytest
from hdbscan.prediction import approximate_predict_scores
from sklearn.datasets import make_blobs

from motion_assets.core.clustering.clusterers import _rank_tail
from motion_assets.core.clustering.config import BayesGmmConfig, KMeansConfig
from motion_assets.core.clustering.pipeline import make_clusterer


@pytest.fixture(scope="module")
def points():
    """Training points (4 blobs with overlap, 16-d) and new points: more of the same, points
    between the blobs and far outliers."""
    training, _ = make_blobs(600, centers=4, n_features=16, cluster_std=2.5, random_state=5)
    new, _ = make_blobs(80, centers=4, n_features=16, cluster_std=4.0, random_state=6)
    outliers = np.random.default_rng(5).uniform(-30, 30, size=(20, 16))
    return training, np.vstack([new, outliers, training[:10]])  # the last: training points


def test_hdbscan_one_pass_equals_its_three_library_calls(points):
    training, new = points
    pipeline = make_clusterer("hdbscan", with_novelty=False).fit(training)
    clusterer = pipeline.clusterer
    data = clusterer._input(pipeline.transform(new))
    assignments, soft = clusterer.assign_with_membership(data)
    labels, strengths = hdbscan.approximate_predict(clusterer.model_, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        membership = hdbscan.membership_vector(clusterer.model_, data)
    assert clusterer.n_clusters_ >= 2 and assignments.is_noise.any() and not assignments.is_noise.all()
    np.testing.assert_array_equal(assignments.cluster, labels)
    np.testing.assert_array_equal(assignments.probability, strengths)
    np.testing.assert_array_equal(assignments.outlier_score,
                                  np.nan_to_num(approximate_predict_scores(clusterer.model_, data)))
    np.testing.assert_array_equal(soft, np.nan_to_num(membership))


def test_hdbscan_one_pass_scores_one_point_as_in_a_batch(points):
    training, new = points
    pipeline = make_clusterer("hdbscan", with_novelty=False).fit(training)
    reduced = pipeline.transform(new)
    batch, batch_soft = pipeline.clusterer.assign_with_membership(reduced)
    for i in range(0, len(new), 7):
        one, one_soft = pipeline.clusterer.assign_with_membership(reduced[i : i + 1])
        assert (one.cluster[0], one.probability[0], one.outlier_score[0]) == (
            batch.cluster[i], batch.probability[i], batch.outlier_score[i])
        np.testing.assert_array_equal(one_soft[0], batch_soft[i])


def test_mixture_one_pass_equals_sklearn_predict_proba_and_score_samples(points):
    training, new = points
    pipeline = make_clusterer("bayes_gmm", BayesGmmConfig(n_components=6),
                              with_novelty=False).fit(training)
    clusterer, reduced = pipeline.clusterer, pipeline.transform(new)
    assignments, soft = clusterer.assign_with_membership(reduced)
    posterior = clusterer.model_.predict_proba(reduced)[:, clusterer.components_]
    posterior /= posterior.sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(soft, posterior)
    np.testing.assert_array_equal(assignments.cluster, posterior.argmax(axis=1))
    np.testing.assert_array_equal(assignments.probability, posterior.max(axis=1))
    np.testing.assert_array_equal(
        assignments.outlier_score,
        _rank_tail(clusterer.training_log_likelihood_, clusterer.model_.score_samples(reduced)))


@pytest.mark.parametrize("kind", ["hdbscan", "bayes_gmm", "kmeans"])
def test_assign_and_predict_proba_are_the_two_halves_of_one_pass(points, kind):
    training, new = points
    config = {"bayes_gmm": BayesGmmConfig(n_components=6), "kmeans": KMeansConfig(n_clusters=4)}
    pipeline = make_clusterer(kind, config.get(kind), with_novelty=False).fit(training)
    reduced = pipeline.transform(new)
    assignments, soft = pipeline.clusterer.assign_with_membership(reduced)
    alone = pipeline.clusterer.assign(reduced)
    np.testing.assert_array_equal(alone.cluster, assignments.cluster)
    np.testing.assert_array_equal(alone.outlier_score, assignments.outlier_score)
    np.testing.assert_array_equal(pipeline.clusterer.predict_proba(reduced), soft)


def test_a_clusterer_without_the_one_pass_method_scores_the_same(points):
    training, new = points
    pipeline = make_clusterer("kmeans", KMeansConfig(n_clusters=4), with_novelty=False).fit(training)
    expected = pipeline.score_parts(new)

    class TwoPasses:  # the protocol without assign_with_membership
        def __init__(self, clusterer):
            self.clusterer = clusterer

        def assign(self, features):
            return self.clusterer.assign(features)

        def predict_proba(self, features):
            return self.clusterer.predict_proba(features)

    pipeline.clusterer = TwoPasses(pipeline.clusterer)
    scored = pipeline.score_parts(new)
    np.testing.assert_array_equal(scored[0].cluster, expected[0].cluster)
    np.testing.assert_array_equal(scored[1], expected[1])
