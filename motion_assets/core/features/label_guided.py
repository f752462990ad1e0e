"""Weak supervision: a view projected onto the directions that separate the labelled actions.

The hand-labelled subset says which sequences are the same action although their codes
differ (other limb, tempo, placement). Linear discriminant analysis on the labelled rows finds
the directions along which the actions differ more than the sequences within one action do,
and drops the rest: the nuisance directions shrink, so a clusterer fitted on every training
sequence in that space cuts along actions. Shrinkage (Ledoit-Wolf) keeps the within-action
covariance stable with a few hundred labelled rows.

Labels shape this featurizer, so it must never be judged on the labels it was fitted with:
core/scoring/model_selection.py fits it on some folds of the labels and judges it on another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

MAX_INPUT_DIMS = 64  # wider (or sparse) views go through a truncated SVD first


class LabelGuided:
    """``base`` (a featurizer) then LDA fitted on ``labelled`` (a code_sequences table whose
    ``label_column`` names the action): ``[N, labels - 1]`` dense.

    ``base_fitted``: the base is already fitted (a trained encoder): ``fit`` does not refit it.
    """

    def __init__(self, base, labelled: pd.DataFrame, label_column: str = "label",
                 base_fitted: bool = False, random_state: int = 0) -> None:
        labels = labelled[label_column].dropna()
        if labels.nunique() < 2:
            raise ValueError(f"label guidance needs at least two labels, got {labels.nunique()}")
        self.base = base
        self.labelled = labelled.loc[labels.index].reset_index(drop=True)
        self.label_column = label_column
        self.base_fitted = base_fitted
        self.random_state = random_state

    @property
    def name(self) -> str:
        return f"{self.base.name}_label_guided"

    def _reduced(self, table: pd.DataFrame, fit: bool = False) -> np.ndarray:
        matrix = self.base.transform(table)
        if fit:
            wide = sp.issparse(matrix) or matrix.shape[1] > MAX_INPUT_DIMS
            components = min(MAX_INPUT_DIMS, matrix.shape[0] - 1, matrix.shape[1] - 1)
            self.svd_ = (TruncatedSVD(components, random_state=self.random_state).fit(matrix)
                         if wide else None)
        if self.svd_ is not None:
            return self.svd_.transform(matrix)
        return np.asarray(matrix, dtype=np.float64)

    def fit(self, table: pd.DataFrame) -> LabelGuided:
        if not self.base_fitted:
            self.base.fit(table)
        self._reduced(table, fit=True)
        labels = self.labelled[self.label_column].astype(str).to_numpy()
        self.lda_ = LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto").fit(
            self._reduced(self.labelled), labels)
        self.labelled = self.labelled.head(0)  # the rows were for fitting, not for the bundle
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "lda_"):
            raise RuntimeError(f"{self.name} is not fitted: call fit(table) first")
        n_labels = len(self.lda_.classes_)
        return self.lda_.transform(self._reduced(table))[:, : n_labels - 1].astype(np.float32)

    def fit_transform(self, table: pd.DataFrame) -> np.ndarray:
        return self.fit(table).transform(table)
