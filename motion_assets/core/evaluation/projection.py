"""2-D UMAP projection for pictures: fit on a sample when large, transform the rest.

UMAP is imported lazily: importing it compiles numba code (seconds), and most callers of
this package never draw. With ``random_state`` set UMAP is deterministic but single-threaded
(it ignores n_jobs then), so we pass ``n_jobs=1`` explicitly in that case.
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
    reducer = umap.UMAP(
        n_components=2,
        n_neighbors=min(config.n_neighbors, len(fitted) - 1),
        min_dist=config.min_dist,
        metric=config.metric,
        random_state=seed,
        n_jobs=1 if seed is not None else config.n_jobs,
        transform_seed=42 if seed is None else seed,
    )
    coordinates = np.empty((n, 2), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*n_jobs.*")
        warnings.filterwarnings("ignore", category=UserWarning, module="umap")
        coordinates[fitted] = reducer.fit_transform(data[fitted])
        rest = np.setdiff1d(np.arange(n), fitted, assume_unique=True)
        if len(rest):
            coordinates[rest] = reducer.transform(data[rest])
    return Projection(coordinates, fitted, reducer)
