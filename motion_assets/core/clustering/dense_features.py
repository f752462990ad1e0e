"""Features as a dense, finite float64 matrix, and unit rows: what every clusterer reads.

Kept apart from the preprocessing (which needs sklearn) so that novelty, the curated
vocabulary and the numpy scoring runtime can use them without importing sklearn or scipy.
"""

from __future__ import annotations

import sys

import numpy as np


def _is_sparse(features) -> bool:
    # a scipy sparse matrix exists only once scipy.sparse is imported: no import for dense input
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(features)


def as_dense_features(features) -> np.ndarray:
    """A C-contiguous float64 matrix with finite values (what hdbscan and sklearn want)."""
    dense = features.toarray() if _is_sparse(features) else np.asarray(features)
    if dense.ndim != 2:
        raise ValueError(f"features must be 2-D (n_sequences, dims), got shape {dense.shape}")
    dense = np.ascontiguousarray(dense, dtype=np.float64)
    if not np.isfinite(dense).all():
        raise ValueError("features contain NaN or infinite values")
    return dense


def l2_normalize(features: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.where(norms > 0, norms, 1.0)

