"""Preprocessing before clustering: optional PCA (dims chosen by explained variance), then L2.

Fewer dimensions make HDBSCAN and the GMM far cheaper (STACK_NOTES.md); L2 normalisation
makes euclidean distance rank pairs like cosine similarity. Sparse input (TF-IDF bags of
codes) is reduced with a truncated SVD, which needs no centring.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import PCA, TruncatedSVD

from motion_assets.core.clustering.config import FeaturePreprocessingConfig
from motion_assets.core.clustering.dense_features import as_dense_features, l2_normalize

__all__ = ["Preprocessor", "as_dense_features", "components_for_variance", "l2_normalize"]


def components_for_variance(ratios: np.ndarray, threshold: float, low: int, high: int) -> int:
    """The fewest leading components whose explained-variance ratios reach ``threshold``."""
    reached = int(np.searchsorted(np.cumsum(ratios), threshold - 1e-12) + 1)
    return int(np.clip(reached, min(low, len(ratios)), min(high, len(ratios))))


class Preprocessor:
    """``fit(features)`` / ``transform(features)`` -> dense float64 (n, n_components_).

    Attributes after fit: ``n_components_`` (output dims), ``explained_variance_`` (share
    of variance kept by the PCA, 1.0 without it), ``n_features_in_``.
    """

    def __init__(self, config: FeaturePreprocessingConfig | None = None) -> None:
        self.config = config or FeaturePreprocessingConfig()

    def fit(self, features) -> Preprocessor:
        self.fit_transform(features)
        return self

    def fit_transform(self, features) -> np.ndarray:
        pca = self.config.pca
        n_samples, n_features = features.shape
        self.n_features_in_ = n_features
        self.reducer_ = None
        self.kept_ = n_features
        self.explained_variance_ = 1.0
        upper = min(pca.max_components, n_samples - 1, n_features - (1 if sp.issparse(features) else 0))
        if pca.enabled and upper >= 1 and (sp.issparse(features) or n_features > pca.min_components):
            if sp.issparse(features):
                reducer = TruncatedSVD(n_components=upper, random_state=pca.random_state)
            else:
                reducer = PCA(n_components=upper, random_state=pca.random_state,
                              svd_solver="randomized" if n_samples > 5000 else "full")
            reduced = reducer.fit_transform(features if sp.issparse(features) else as_dense_features(features))
            ratios = reducer.explained_variance_ratio_
            self.kept_ = components_for_variance(ratios, pca.explained_variance,
                                                 pca.min_components, upper)
            self.explained_variance_ = float(ratios[: self.kept_].sum())
            self.reducer_ = reducer
            out = np.ascontiguousarray(reduced[:, : self.kept_], dtype=np.float64)
        else:
            out = as_dense_features(features)
        self.n_components_ = out.shape[1]
        return l2_normalize(out) if self.config.l2_normalize else out

    def transform(self, features) -> np.ndarray:
        if features.shape[1] != self.n_features_in_:
            raise ValueError(
                f"expected {self.n_features_in_} feature columns (as in fit), got {features.shape[1]}"
            )
        if isinstance(self.reducer_, PCA) and not self.reducer_.whiten:
            # PCA.transform's own input validation costs ~0.3 ms a call, most of what
            # reducing one sequence costs; the projection is sklearn's, on the kept rows only
            kept = self.reducer_.components_[: self.kept_]
            out = as_dense_features(features) @ kept.T
            out -= self.reducer_.mean_ @ kept.T
        elif self.reducer_ is not None:
            source = features if sp.issparse(features) else as_dense_features(features)
            out = np.ascontiguousarray(self.reducer_.transform(source)[:, : self.kept_],
                                       dtype=np.float64)
        else:
            out = as_dense_features(features)
        return l2_normalize(out) if self.config.l2_normalize else out
