"""Featurizers built from other featurizers: LSA of a sparse view, and a multi-view concat.

- :class:`Lsa`: latent semantic analysis, a truncated SVD of a TF-IDF matrix, rows
  L2-normalised. Codes that stand in for each other (neighbouring FSQ cells, the same motion
  at another tempo or placement) share components, so sequences that use different but
  related codes end up close; on the real data LSA + spectral clustering was the strongest
  method without a learned encoder.
- :class:`MultiView`: several views side by side, each block L2-normalised and weighted,
  so no view dominates by its scale or width (encoder, n-gram LSA and digit statistics see
  different things: order, local transitions, FSQ geometry).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from motion_assets.core.features.featurizers import CodeNgramTfidf

LSA_COMPONENTS = 32  # benchmarks/quality_benchmark.py: 32 within noise of 64, better than 16


class Lsa:
    """``[N, n_components]`` dense: TruncatedSVD of ``base`` (default: code 1-2-gram TF-IDF,
    sublinear tf), rows L2-normalised."""

    def __init__(self, base=None, n_components: int = LSA_COMPONENTS, random_state: int = 0):
        self.base = base if base is not None else CodeNgramTfidf((1, 2), sublinear_tf=True)
        self.n_components = n_components
        self.random_state = random_state

    @property
    def name(self) -> str:
        return f"lsa_{self.base.name}"

    def fit(self, table: pd.DataFrame) -> Lsa:
        matrix = self.base.fit(table).transform(table)
        components = max(1, min(self.n_components, matrix.shape[0] - 1, matrix.shape[1] - 1))
        self.svd_ = TruncatedSVD(components, random_state=self.random_state).fit(matrix)
        self.__dict__.pop("_projection", None)
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "svd_"):
            raise RuntimeError(f"{self.name} is not fitted: call fit(table) first")
        reduced = self.base.transform(table) @ self._components_t()
        return normalize(reduced).astype(np.float32)

    def __getstate__(self) -> dict:
        # the kept projection is the components again: not stored twice in a bundle
        return {name: value for name, value in self.__dict__.items() if name != "_projection"}

    def _components_t(self) -> np.ndarray:
        """``svd_.components_.T`` in C order, kept: the product TruncatedSVD.transform
        computes, without its copy of the F-ordered components on every call (1.4 ms of a
        one-row call's ~5 ms at a 21,845-term vocabulary, 0.01 ms after; values equal)."""
        if self.__dict__.get("_projection") is None:  # bundles pickled before lack it
            self._projection = np.ascontiguousarray(self.svd_.components_.T)
        return self._projection

    def fit_transform(self, table: pd.DataFrame) -> np.ndarray:
        return self.fit(table).transform(table)


class MultiView:
    """Views side by side: each ``[N, F_i]`` block L2-normalised per row, times its weight.

    ``views``: featurizers; those already fitted (``fitted=True`` for all) are not refitted,
    so a trained encoder can join without training again. Sparse views are densified: give
    wide sparse views through :class:`Lsa`.
    """

    def __init__(self, views: list, weights: list[float] | None = None, fitted: bool = False):
        if not views:
            raise ValueError("MultiView needs at least one view")
        if weights is not None and len(weights) != len(views):
            raise ValueError(f"{len(weights)} weights for {len(views)} views")
        self.views = list(views)
        self.weights = list(weights) if weights is not None else [1.0] * len(views)
        self.fitted = fitted

    @property
    def name(self) -> str:
        return "multi_view[" + "+".join(view.name for view in self.views) + "]"

    def fit(self, table: pd.DataFrame) -> MultiView:
        if not self.fitted:
            for view in self.views:
                view.fit(table)
        self.fitted_ = True
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        if not getattr(self, "fitted_", self.fitted):
            raise RuntimeError(f"{self.name} is not fitted: call fit(table) first")
        blocks = []
        for view, weight in zip(self.views, self.weights):
            block = view.transform(table)
            block = block.toarray() if sp.issparse(block) else np.asarray(block, dtype=np.float64)
            blocks.append(weight * normalize(block))
        return np.hstack(blocks).astype(np.float32)

    def fit_transform(self, table: pd.DataFrame) -> np.ndarray:
        return self.fit(table).transform(table)
