"""The FSQ digit statistics of code sequences, before standardizing: numpy only, so the fitted
featurizer (featurizers.py ``DigitStatistics``) and the CLI's scoring runtime compute one thing."""

from __future__ import annotations

import numpy as np

from motion_assets.core.sequences.fsq import Codebook


def digit_statistics(codebook: Codebook, sequences: list[np.ndarray]) -> np.ndarray:
    """``[N, 4 * axes + sum(levels)]`` float64: per FSQ digit axis the mean and std of the
    unit digits, a normalized histogram of the digits, the mean absolute step between
    consecutive codes and the share of steps that stay put."""
    levels = np.asarray(codebook.levels)
    rows = []
    for codes in sequences:
        digits = codebook.digits(codes)  # raises for ids beyond the grid
        unit = codebook.unit_digits(codes)
        histograms = [np.bincount(digits[:, axis], minlength=level) / len(codes)
                      for axis, level in enumerate(levels)]
        steps = np.abs(np.diff(unit, axis=0)) if len(codes) > 1 else np.zeros((1, len(levels)))
        rows.append(np.concatenate(
            [unit.mean(0), unit.std(0), *histograms, steps.mean(0), (steps == 0).mean(0)]))
    return np.vstack(rows)
