"""The FSQ digit statistics of code sequences, before standardizing: numpy only, so the fitted
featurizer (featurizers.py ``DigitStatistics``) and the CLI's scoring runtime compute one thing.

All sequences are computed at once on their codes laid end to end (per-row sums as differences
of one cumulative sum): one Python step per sequence was most of a 50k variant's featurizing
(BENCHMARKS "The whole graph at scale")."""

from __future__ import annotations

import numpy as np

from motion_assets.core.sequences.fsq import Codebook


def _row_means(values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Per row, the column means of ``values[bounds[i]:bounds[i + 1]]`` (an empty row: NaN)."""
    total = np.zeros((len(values) + 1, values.shape[1]))
    np.cumsum(values, axis=0, out=total[1:])
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total[bounds[1:]] - total[bounds[:-1]]) / np.diff(bounds)[:, None]


def digit_statistics(codebook: Codebook, sequences: list[np.ndarray]) -> np.ndarray:
    """``[N, 4 * axes + sum(levels)]`` float64: per FSQ digit axis the mean and std of the
    unit digits, a normalized histogram of the digits, the mean absolute step between
    consecutive codes and the share of steps that stay put (a one-code sequence has no step:
    0 and 1)."""
    levels = np.asarray(codebook.levels)
    axes, n = len(levels), len(sequences)
    lengths = np.array([len(codes) for codes in sequences], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    digits = codebook.digits(np.concatenate(sequences))  # raises for ids beyond the grid
    half = (levels - 1) / 2
    unit = (digits - half) / half  # Codebook.unit_digits, from the digits already at hand
    row = np.repeat(np.arange(n), lengths)
    mean = _row_means(unit, bounds)
    std = np.sqrt(_row_means((unit - mean[row]) ** 2, bounds))  # two passes, as np.std
    # every axis's histogram in one count: the row's block, the axis's columns, the digit
    width = int(levels.sum())
    column = digits + np.cumsum(levels) - levels
    histograms = np.bincount((row[:, None] * width + column).ravel(), minlength=n * width)
    histograms = histograms.reshape(n, width) / lengths[:, None]
    # a row's steps: every diff but those across two rows (a row of k codes has k - 1)
    diffs = np.abs(np.diff(unit, axis=0))
    inside = np.ones(len(diffs), dtype=bool)
    inside[bounds[1:-1][bounds[1:-1] > 0] - 1] = False
    diffs = diffs[inside]
    steps = _row_means(np.hstack([diffs, diffs == 0]),
                       np.concatenate([[0], np.cumsum(lengths - 1)]))
    one_code = (lengths == 1)[:, None]
    moves = np.where(one_code, 0.0, steps[:, :axes])
    stays = np.where(one_code, 1.0, steps[:, axes:])
    return np.hstack([mean, std, histograms, moves, stays])
