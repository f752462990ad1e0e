"""2-D UMAP projection for pictures: fit on a sample when large, place the rest among it.

UMAP is imported lazily: importing it compiles numba code (seconds), and most callers of
this package never draw. With ``random_state`` set UMAP is deterministic but single-threaded
(it ignores n_jobs then), so we pass ``n_jobs=1`` explicitly in that case.

The neighbour graph UMAP fits on is computed exactly here (sklearn) and handed to it as
``precomputed_knn``: in a fresh process pynndescent's numba compilation cost ~65 CPU seconds
of a 10,000-point fit's ~98 (the fit itself ~20), and every step runs in a fresh process
(BENCHMARKS "The whole graph at scale"). Points beyond the fitted sample are placed at the
membership-weighted mean of their fitted neighbours' coordinates, which is where UMAP's own
``transform`` starts them before its refinement epochs (``out_of_sample_coordinates``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from motion_assets.core.clustering.preprocess import as_dense_features
from motion_assets.core.evaluation.config import UmapConfig


@dataclass
class Projection:
    """``coordinates``: (n, 2) float32 for every input row; ``fitted_rows``: the rows UMAP
    was fitted on (all rows when n <= fit_sample_size); ``model``: the fitted reducer."""

    coordinates: np.ndarray
    fitted_rows: np.ndarray
    model: object


def umap_projection(features, config: UmapConfig | None = None) -> Projection:
    """Project ``features`` (n, dims), dense or sparse, to 2-D."""
    config = config or UmapConfig()
    data = as_dense_features(features)
    n = len(data)
    if n < 3:
        raise ValueError(f"UMAP needs at least 3 points, got {n}")
    import umap  # lazy: importing compiles numba code

    seed = config.random_state
    rng = np.random.default_rng(0 if seed is None else seed)
    fitted = np.arange(n) if n <= config.fit_sample_size else np.sort(
        rng.choice(n, size=config.fit_sample_size, replace=False))
    n_neighbors = min(config.n_neighbors, len(fitted) - 1)
    index = _neighbour_index(data[fitted], config.metric)
    distances, neighbours = index.kneighbors(data[fitted], n_neighbors=n_neighbors)
    reducer = umap.UMAP(
        n_components=2,
        n_neighbors=n_neighbors,
        min_dist=config.min_dist,
        metric=config.metric,
        random_state=seed,
        n_jobs=1 if seed is not None else config.n_jobs,
        precomputed_knn=(neighbours.astype(np.int32), distances.astype(np.float32), None),
    )
    coordinates = np.empty((n, 2), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*n_jobs.*")
        warnings.filterwarnings("ignore", category=UserWarning, module="umap")
        coordinates[fitted] = reducer.fit_transform(data[fitted])
    rest = np.setdiff1d(np.arange(n), fitted, assume_unique=True)
    if len(rest):
        distances, neighbours = index.kneighbors(data[rest], n_neighbors=n_neighbors)
        coordinates[rest] = out_of_sample_coordinates(coordinates[fitted], neighbours, distances)
    return Projection(coordinates, fitted, reducer)


def _neighbour_index(points: np.ndarray, metric: str):
    from sklearn.neighbors import NearestNeighbors

    try:
        return NearestNeighbors(metric=metric).fit(points)
    except ValueError as error:
        raise ValueError(f"visualization.umap.metric {metric!r}: {error}") from None


def out_of_sample_coordinates(fitted_coordinates: np.ndarray, neighbours: np.ndarray,
                              distances: np.ndarray) -> np.ndarray:
    """Each new point at the mean of its fitted neighbours' coordinates, weighted by UMAP's
    fuzzy membership ``exp(-(d - rho) / sigma)``: ``rho`` the distance to the nearest
    neighbour, ``sigma`` chosen per point so the weights sum to ``log2(k)`` (McInnes et al.
    2018, section 3.1)."""
    distances = distances.astype(np.float64)
    gaps = np.maximum(distances - distances[:, :1], 0.0)
    sigma = _membership_scale(gaps, np.log2(distances.shape[1]))
    weights = np.exp(-gaps / sigma[:, None])
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, fitted_coordinates[neighbours]).astype(np.float32)


def _membership_scale(gaps: np.ndarray, target: float, steps: int = 64) -> np.ndarray:
    """Per row, the ``sigma`` with ``sum(exp(-gaps / sigma)) == target`` (bisection; the
    sum grows with sigma from 1, the nearest neighbour's own weight, towards k)."""
    low, high = np.zeros(len(gaps)), np.full(len(gaps), np.inf)
    sigma = np.ones(len(gaps))
    for _ in range(steps):
        total = np.exp(-gaps / sigma[:, None]).sum(axis=1)
        too_wide = total > target
        high = np.where(too_wide, sigma, high)
        low = np.where(too_wide, low, sigma)
        sigma = np.where(np.isinf(high), sigma * 2.0, (low + high) / 2.0)
    return np.maximum(sigma, 1e-12)
