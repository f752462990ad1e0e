"""Cluster pictures for a report: 2-D maps by cluster or label, cluster sizes, confusion.

Clusters take colours from qualitative palettes with every grey removed, so noise (light
grey, small, drawn underneath) never looks like a cluster; each cluster's id is also written
at its centre, so a picture with more clusters than colours still says which is which.
A cluster has the same colour in the map and in the size bars.
"""

from __future__ import annotations

import matplotlib.patheffects as path_effects
import numpy as np
import pandas as pd
from matplotlib import colormaps

from motion_assets.core.clustering.assignments import NOISE
from motion_assets.core.evaluation.plots import figure, png_bytes

NOISE_COLOUR = "#cfcfcf"
MAX_LEGEND = 30
GREYS = {(0.4980392156862745, 0.4980392156862745, 0.4980392156862745),  # tab10 grey
         (0.4, 0.4, 0.4), (0.6, 0.6, 0.6)}  # Dark2 and Set1 greys


def _palette() -> list:
    colours = []
    for name in ("tab10", "Dark2", "Set1"):
        colours += [tuple(c[:3]) for c in colormaps[name].colors]
    return [c for c in colours if tuple(round(v, 6) for v in c) not in
            {tuple(round(v, 6) for v in g) for g in GREYS}]


PALETTE = _palette()


def group_colours(groups) -> dict:
    """Colour per group name, in sorted order (noise and ``None`` excluded)."""
    names = sorted((g for g in set(groups) if g is not None and g != NOISE), key=_order)
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def _order(name):
    return (0, name, "") if isinstance(name, (int, np.integer)) else (1, 0, str(name))


def _subsample(n: int, max_points: int, seed: int = 0) -> np.ndarray:
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


def _checked(coordinates, groups) -> tuple[np.ndarray, np.ndarray]:
    coordinates = np.asarray(coordinates, dtype=float)
    groups = np.asarray(groups)
    if coordinates.ndim != 2 or coordinates.shape[1] != 2 or len(coordinates) != len(groups):
        raise ValueError(f"need (n, 2) coordinates for {len(groups)} points, got "
                         f"{coordinates.shape}")
    return coordinates, groups


def _scatter(coordinates, groups, *, title: str, grey, grey_name: str, max_points: int) -> bytes:
    coordinates, groups = _checked(coordinates, groups)
    counts = pd.Series(groups).value_counts()
    rows = _subsample(len(groups), max_points)
    points, groups = coordinates[rows], groups[rows]
    size = float(np.clip(4000 / max(len(rows), 1), 4, 40))
    fig, axes = figure(height_inches=7.5)
    grey_mask = groups == grey if grey is not None else np.zeros(len(groups), bool)
    if grey_mask.any():
        axes.scatter(*points[grey_mask].T, s=size * 0.4, c=NOISE_COLOUR, linewidths=0,
                     label=f"{grey_name} ({counts.get(grey, 0)})", rasterized=True, zorder=1)
    colours = group_colours(g for g in groups[~grey_mask])
    for name, colour in colours.items():
        mask = groups == name
        axes.scatter(*points[mask].T, s=size, color=colour, linewidths=0, alpha=0.85,
                     label=f"{name} ({counts.get(name, 0)})", rasterized=True, zorder=2)
        centre = np.median(points[mask], axis=0)
        text = axes.text(*centre, str(name), fontsize=11, fontweight="bold", ha="center",
                         va="center", color=colour, zorder=3)
        text.set_path_effects([path_effects.withStroke(linewidth=3, foreground="white")])
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    if len(colours) <= MAX_LEGEND:
        axes.legend(markerscale=max(1.0, 40 / size) ** 0.5, loc="upper left",
                    bbox_to_anchor=(1.0, 1.0), frameon=False,
                    ncols=1 if len(colours) <= 15 else 2, title="(sequences)")
    return png_bytes(fig)


def cluster_scatter_png(coordinates: np.ndarray, clusters, *, title: str = "clusters",
                        max_points: int = 20_000) -> bytes:
    """Points coloured by cluster id; noise (-1) light grey, small and drawn underneath."""
    return _scatter(coordinates, np.asarray(clusters, dtype=np.int64), title=title,
                    grey=NOISE, grey_name="noise", max_points=max_points)


def label_scatter_png(coordinates: np.ndarray, labels, *, title: str = "labels",
                      unknown_label: str | None = None, max_points: int = 20_000) -> bytes:
    """Points coloured by label; ``unknown_label`` (e.g. "(unlabelled)") light grey."""
    return _scatter(coordinates, np.asarray(labels, dtype=object), title=title,
                    grey=unknown_label, grey_name=str(unknown_label), max_points=max_points)


def cluster_sizes_png(clusters, *, title: str = "sequences per cluster") -> bytes:
    """One bar per cluster in the map's colours, noise first in grey, sizes written on top."""
    counts = pd.Series(np.asarray(clusters, dtype=np.int64)).value_counts().sort_index()
    colours = group_colours(counts.index.tolist())
    names = ["noise" if c == NOISE else str(c) for c in counts.index]
    fig, axes = figure()
    bars = axes.bar(names, counts.to_numpy(),
                    color=[NOISE_COLOUR if c == NOISE else colours[c] for c in counts.index])
    if len(names) <= 40:
        axes.bar_label(bars, fontsize=10 if len(names) <= 20 else 8)
    if len(names) > 20:
        axes.tick_params(axis="x", labelrotation=90, labelsize=9)
    axes.set_title(title)
    axes.set_xlabel("cluster")
    axes.set_ylabel("sequences")
    axes.grid(axis="y", alpha=0.3)
    return png_bytes(fig)


def density_png(coordinates: np.ndarray, *, title: str = "where the sequences lie") -> bytes:
    """Hexagon-binned point density of a 2-D projection (darker: more sequences)."""
    coordinates, _ = _checked(coordinates, np.zeros(len(np.asarray(coordinates))))
    fig, axes = figure(height_inches=7.5)
    bins = axes.hexbin(*coordinates.T, gridsize=int(np.clip(np.sqrt(len(coordinates)), 15, 60)),
                       cmap="viridis", mincnt=1)
    fig.colorbar(bins, ax=axes, label="sequences per cell", shrink=0.8)
    axes.set_title(title)
    axes.set_xticks([])
    axes.set_yticks([])
    return png_bytes(fig)


def confusion_matrix_png(confusion: pd.DataFrame, *, title: str = "labels vs clusters",
                         normalize: bool = True) -> bytes:
    """Heat map of a label x cluster count table (``cluster_metrics.confusion_frame``);
    rows normalised to shares when ``normalize``, counts written in the cells when small."""
    counts = confusion.to_numpy(dtype=float)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    n_rows, n_cols = shown.shape
    fig, axes = figure(height_inches=float(np.clip(2.5 + 0.45 * n_rows, 4.5, 12)))
    image = axes.imshow(shown, cmap="Blues", aspect="auto", vmin=0, vmax=1 if normalize else None)
    tick_size = 11 if n_cols <= 25 else 8
    axes.set_xticks(range(n_cols), ["noise" if c == NOISE else str(c) for c in confusion.columns],
                    fontsize=tick_size, rotation=90 if n_cols > 12 else 0)
    axes.set_yticks(range(n_rows), [str(r) for r in confusion.index], fontsize=11)
    axes.set_xlabel("cluster")
    axes.set_ylabel("label")
    axes.set_title(title)
    if n_rows * n_cols <= 400:
        for (r, c), value in np.ndenumerate(counts):
            if value:
                axes.text(c, r, f"{int(value)}", ha="center", va="center",
                          fontsize=10 if n_cols <= 25 else 7,
                          color="white" if shown[r, c] > 0.6 * shown.max() else "black")
    fig.colorbar(image, ax=axes, fraction=0.04,
                 label="share of the label's sequences" if normalize else "sequences")
    return png_bytes(fig)
