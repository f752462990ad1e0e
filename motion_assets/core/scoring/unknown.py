"""What makes a scored sequence ``unknown``, and the candidate unknown scores."""

from __future__ import annotations

import numpy as np

from motion_assets.core.scoring.thresholds import Thresholds


def _noise_or_outlier(probability, soft, outlier, is_noise, novelty=None):
    # noise first (1 + outlier, shrunk into [0.5, 1]), else the GLOSH / likelihood rank
    return np.where(is_noise, 0.5 + 0.5 * outlier, 0.5 * outlier)


def _novelty_or(novelty, fallback):
    """The novelty where there is one (a pipeline without a novelty model gives NaN)."""
    if novelty is None:
        return fallback
    novelty = np.asarray(novelty, dtype=np.float64)
    return np.where(np.isnan(novelty), fallback, novelty)


# unknown_score definitions: (probability, soft, outlier, is_noise, novelty) -> [N] in [0, 1].
# Compared on the unseen synthetic action in benchmarks/quality_benchmark.py.
UNKNOWN_SCORES = {
    "one_minus_probability": lambda p, soft, outlier, noise, novelty=None: 1.0 - p,
    "one_minus_soft": lambda p, soft, outlier, noise, novelty=None: 1.0 - soft,
    "outlier": lambda p, soft, outlier, noise, novelty=None: outlier,
    "mean_probability_outlier": lambda p, soft, outlier, noise, novelty=None: 0.5 * (1.0 - p + outlier),
    "noise_or_outlier": _noise_or_outlier,
    "novelty": lambda p, soft, outlier, noise, novelty=None: _novelty_or(novelty, outlier),
    "mean_novelty_outlier": lambda p, soft, outlier, noise, novelty=None:
        0.5 * (_novelty_or(novelty, outlier) + outlier),
    "max_novelty_outlier": lambda p, soft, outlier, noise, novelty=None:
        np.maximum(_novelty_or(novelty, outlier), outlier),
}


def unknown_flags(probability, is_noise, novelty, thresholds: Thresholds,
                  novelty_threshold: float | None = None, *, unknown_score=None) -> np.ndarray:
    """The ``unknown`` rule: noise (if counted), or (not noise and) probability below the
    threshold, or novelty above the novelty threshold (None or NaN novelty: not used), or
    the unknown detector's score above ``thresholds.unknown_score`` (when both are set)."""
    probability = np.asarray(probability, dtype=np.float64)
    is_noise = np.asarray(is_noise, dtype=bool)
    flags = (~is_noise & (probability < thresholds.probability))
    if thresholds.noise_is_unknown:
        flags |= is_noise
    limit = thresholds.novelty if thresholds.novelty is not None else novelty_threshold
    if limit is not None and novelty is not None:
        novelty = np.asarray(novelty, dtype=np.float64)
        flags |= np.nan_to_num(novelty, nan=-1.0) > limit
    if thresholds.unknown_score is not None and unknown_score is not None:
        flags |= np.asarray(unknown_score, dtype=np.float64) > thresholds.unknown_score
    return flags
