"""Pictures are small, valid PNGs; UMAP (few points) is deterministic and covers every row."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from PIL import Image

from motion_assets.core.evaluation.cluster_plots import (
    NOISE_COLOUR,
    PALETTE,
    cluster_scatter_png,
    cluster_sizes_png,
    confusion_matrix_png,
    density_png,
    label_scatter_png,
)
from motion_assets.core.evaluation.config import UmapConfig
from motion_assets.core.evaluation.metrics import confusion_frame

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 150_000


def _assert_small_png(data: bytes) -> None:
    """A PNG wide enough to read in a report (>= 900 px) and small enough for the event log."""
    assert data[:8] == PNG_SIGNATURE
    assert 1_000 < len(data) < MAX_PNG_BYTES
    assert Image.open(io.BytesIO(data)).size[0] >= 900


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    coordinates = rng.normal(size=(3000, 2))
    clusters = rng.integers(-1, 6, size=3000)
    return coordinates, clusters


def test_cluster_scatter_is_a_small_png(points):
    coordinates, clusters = points
    _assert_small_png(cluster_scatter_png(coordinates, clusters, max_points=2000))


def test_label_scatter_is_a_small_png(points):
    coordinates, clusters = points
    labels = np.array(["pick", "place", "unlabelled"], dtype=object)[np.abs(clusters) % 3]
    _assert_small_png(label_scatter_png(coordinates, labels, unknown_label="unlabelled"))


def test_many_clusters_still_draw_without_a_legend():
    rng = np.random.default_rng(1)
    _assert_small_png(cluster_scatter_png(rng.normal(size=(500, 2)), rng.integers(0, 40, 500)))


def test_confusion_matrix_is_a_small_png():
    truth = np.array(["a", "a", "b", "b", "c"])
    _assert_small_png(confusion_matrix_png(confusion_frame(truth, np.array([0, 0, 1, -1, 2]))))


def test_cluster_sizes_and_density_are_small_pngs(points):
    coordinates, clusters = points
    _assert_small_png(cluster_sizes_png(clusters))
    _assert_small_png(density_png(coordinates))


def test_no_cluster_colour_is_a_grey_that_could_pass_for_noise():
    noise = np.array(to_rgb(NOISE_COLOUR))
    for colour in PALETTE:
        rgb = np.array(colour)
        assert rgb.max() - rgb.min() > 0.15 or np.abs(rgb - noise).max() > 0.3


def test_mismatched_coordinates_are_refused():
    with pytest.raises(ValueError, match="coordinates"):
        cluster_scatter_png(np.zeros((5, 3)), np.zeros(5, dtype=int))


def test_umap_fits_a_sample_transforms_the_rest_and_is_deterministic():
    from motion_assets.core.evaluation.projection import umap_projection

    rng = np.random.default_rng(0)
    features = np.vstack([rng.normal(c, 0.3, size=(60, 5)) for c in (0, 3, 6)])
    config = UmapConfig(n_neighbors=10, fit_sample_size=120, random_state=7)
    first = umap_projection(features, config)
    assert first.coordinates.shape == (180, 2)
    assert len(first.fitted_rows) == 120
    assert np.isfinite(first.coordinates).all()
    second = umap_projection(features, config)
    np.testing.assert_allclose(first.coordinates, second.coordinates)


def test_points_beyond_the_umap_sample_land_among_their_own_cluster():
    from motion_assets.core.evaluation.projection import umap_projection

    rng = np.random.default_rng(1)
    centres = (0, 4, 8)
    features = np.vstack([rng.normal(c, 0.3, size=(80, 5)) for c in centres])
    truth = np.repeat(np.arange(len(centres)), 80)
    fit = umap_projection(features, UmapConfig(n_neighbors=10, fit_sample_size=120,
                                               random_state=3))
    placed = np.setdiff1d(np.arange(len(features)), fit.fitted_rows)
    centroids = np.stack([fit.coordinates[fit.fitted_rows][truth[fit.fitted_rows] == c].mean(0)
                          for c in range(len(centres))])
    nearest = np.linalg.norm(fit.coordinates[placed][:, None] - centroids[None], axis=2).argmin(1)
    assert (nearest == truth[placed]).all()


def test_umap_membership_weights_sum_to_log2_k_as_in_the_paper():
    from motion_assets.core.evaluation.projection import _membership_scale

    gaps = np.array([[0.0, 0.1, 0.4, 0.9, 2.0, 3.0, 3.5, 5.0], [0.0] + [1.0] * 7])
    sigma = _membership_scale(gaps, np.log2(8))
    np.testing.assert_allclose(np.exp(-gaps / sigma[:, None]).sum(1), [3.0, 3.0], rtol=1e-9)
