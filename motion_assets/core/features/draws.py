"""The seeded row draws that bound a fit's cost: fit on at most so many rows, apply to all.

numpy only, in the lowest stage that fits anything, so featurizers, clusterers, the model
selection and the scoring bundle all draw the same way."""

from __future__ import annotations

import numpy as np
import pandas as pd


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Row indices a bounded fit uses: all ``n`` up to ``size``, else a seeded draw of ``size``,
    in row order (the other rows are assigned as new points are)."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def sample_table(table: pd.DataFrame, size: int, seed: int = 0) -> pd.DataFrame:
    """``table`` itself up to ``size`` rows, else the rows of :func:`sample_rows` (index reset)."""
    if len(table) <= size:
        return table
    return table.iloc[sample_rows(len(table), size, seed)].reset_index(drop=True)
