"""Spectral clustering on a kNN graph: cuts along the graph, assigns new points by vote."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.metrics import adjusted_rand_score

from motion_assets.core.clustering.config import SpectralConfig
from motion_assets.core.clustering.spectral import SpectralClusterer


@pytest.fixture(scope="module")
def moons():
    points, truth = make_moons(600, noise=0.05, random_state=0)
    return points, truth


@pytest.fixture(scope="module")
def fitted(moons):
    points, _ = moons
    return SpectralClusterer(SpectralConfig(n_clusters=2, n_neighbors=10)).fit(points[:500])


def test_spectral_separates_interleaved_moons(moons, fitted):
    _, truth = moons
    assert adjusted_rand_score(truth[:500], fitted.labels_) >= 0.95


def test_new_points_take_the_vote_of_their_training_neighbours(moons, fitted):
    points, truth = moons
    assigned = fitted.assign(points[500:])
    assert adjusted_rand_score(truth[500:], assigned.cluster) >= 0.95
    assert np.allclose(fitted.predict_proba(points[500:]).sum(axis=1), 1.0)


def test_assigning_training_points_reproduces_their_fitted_labels(moons, fitted):
    points, _ = moons
    assert (fitted.assign(points[:500]).cluster == fitted.labels_).all()


def test_far_points_get_a_high_outlier_score(fitted):
    far = np.array([[10.0, 10.0], [-8.0, 5.0]])
    assert (fitted.assign(far).outlier_score == 1.0).all()


def test_a_graph_cut_on_a_draw_still_labels_every_training_point(moons):
    points, truth = moons
    config = SpectralConfig(n_clusters=2, n_neighbors=10, fit_sample_size=200)
    model = SpectralClusterer(config).fit(points)
    assert len(model.cut_labels_) == 200 and len(model.labels_) == len(points)
    assert adjusted_rand_score(truth, model.labels_) >= 0.95
