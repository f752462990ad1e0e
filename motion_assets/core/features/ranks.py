"""Calibration by rank: a value's place among the sorted values training gave, the one scale
the unknown detector's voices share (0 = below every training value, 1 = above them all).
numpy only: the CLI's scoring runtime ranks with it too."""

from __future__ import annotations

import numpy as np


def rank_below(reference_sorted: np.ndarray, values) -> np.ndarray:
    """Share of ``reference_sorted`` strictly below each value; a NaN (no evidence) ranks 0."""
    values = np.asarray(values, dtype=np.float64)
    values = np.where(np.isnan(values), -np.inf, values)
    return np.searchsorted(reference_sorted, values, side="left") / len(reference_sorted)
