"""Cluster pictures as small PNGs: 2-D scatter by cluster or label, confusion matrix.

Each returns PNG bytes via ``plots.png_bytes`` (the event log stores them inline, so the
figures are small and scatter plots draw at most ``max_points`` points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt

from motion_assets.core.clustering.assignments import NOISE
from motion_assets.core.evaluation.plots import png_bytes

NOISE_COLOUR = "#b0b0b0"
MAX_LEGEND = 20


def _subsample(n: int, max_points: int, seed: int = 0) -> np.ndarray:
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


def _scatter(coordinates: np.ndarray, groups: np.ndarray, *, title: str, grey,
             max_points: int) -> bytes:
    coordinates = np.asarray(coordinates)
    if coordinates.ndim != 2 or coordinates.shape[1] != 2 or len(coordinates) != len(groups):
        raise ValueError(f"need (n, 2) coordinates for {len(groups)} points, got "
                         f"{coordinates.shape}")
    rows = _subsample(len(groups), max_points)
    points, groups = coordinates[rows], np.asarray(groups)[rows]
    size = float(np.clip(3000 / max(len(rows), 1), 1, 20))
    figure, axes = plt.subplots(figsize=(5, 4))
    names = [g for g in pd.unique(groups) if g is not grey and g != grey]
    names = sorted(names, key=str)
    palette = plt.get_cmap("tab20")
    grey_mask = groups == grey if grey is not None else np.zeros(len(groups), bool)
    if grey_mask.any():
        axes.scatter(*points[grey_mask].T, s=size, c=NOISE_COLOUR, linewidths=0,
                     label="noise" if grey == NOISE else str(grey), rasterized=True)
    for i, name in enumerate(names):
        mask = groups == name
        axes.scatter(*points[mask].T, s=size, color=palette(i % 20), linewidths=0,
                     label=str(name), rasterized=True)
    axes.set_title(title, fontsize=9)
    axes.set_xticks([])
    axes.set_yticks([])
    if len(names) <= MAX_LEGEND:
        axes.legend(fontsize=6, markerscale=max(1.0, 6 / size), loc="center left",
                    bbox_to_anchor=(1.0, 0.5), frameon=False)
    return png_bytes(figure)


def cluster_scatter_png(coordinates: np.ndarray, clusters, *, title: str = "clusters",
                        max_points: int = 20_000) -> bytes:
    """Points coloured by cluster id; noise (-1) grey and drawn underneath."""
    return _scatter(coordinates, np.asarray(clusters, dtype=np.int64), title=title,
                    grey=NOISE, max_points=max_points)


def label_scatter_png(coordinates: np.ndarray, labels, *, title: str = "labels",
                      unknown_label: str | None = None, max_points: int = 20_000) -> bytes:
    """Points coloured by label; ``unknown_label`` (e.g. "unlabelled") grey."""
    return _scatter(coordinates, np.asarray(labels, dtype=object), title=title,
                    grey=unknown_label, max_points=max_points)


def confusion_matrix_png(confusion: pd.DataFrame, *, title: str = "labels vs clusters",
                         normalize: bool = True) -> bytes:
    """Heat map of a label x cluster count table (``cluster_metrics.confusion_frame``);
    rows normalised to shares when ``normalize``, counts written in the cells when small."""
    counts = confusion.to_numpy(dtype=float)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    n_rows, n_cols = shown.shape
    figure, axes = plt.subplots(figsize=(min(2 + 0.4 * n_cols, 9), min(1.5 + 0.35 * n_rows, 7)))
    image = axes.imshow(shown, cmap="Blues", aspect="auto", vmin=0)
    axes.set_xticks(range(n_cols), ["noise" if c == NOISE else str(c) for c in confusion.columns],
                    fontsize=7, rotation=90)
    axes.set_yticks(range(n_rows), [str(r) for r in confusion.index], fontsize=7)
    axes.set_xlabel("cluster", fontsize=8)
    axes.set_ylabel("label", fontsize=8)
    axes.set_title(title, fontsize=9)
    if n_rows * n_cols <= 400:
        for (r, c), value in np.ndenumerate(counts):
            if value:
                axes.text(c, r, f"{int(value)}", ha="center", va="center", fontsize=6,
                          color="white" if shown[r, c] > 0.6 * shown.max() else "black")
    figure.colorbar(image, ax=axes, fraction=0.04)
    return png_bytes(figure)
