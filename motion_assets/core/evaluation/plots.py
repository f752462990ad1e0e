"""Small PNG plots for the UI: each function returns PNG bytes, never shows a window."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # headless: assets and tests draw without a display
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

DPI = 80  # the event log stores plots inline: keep them small


def png_bytes(figure: Figure) -> bytes:
    """Render a figure to PNG and release it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def bar_png(labels: Sequence, values: Sequence[float], *, title: str, ylabel: str) -> bytes:
    figure, axes = plt.subplots(figsize=(6, 3))
    axes.bar([str(label) for label in labels], values, color="#4c72b0")
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.tick_params(axis="x", labelrotation=90, labelsize=7)
    return png_bytes(figure)


def line_png(series: dict[str, Sequence[float]], *, title: str, xlabel: str, ylabel: str,
             logy: bool = False) -> bytes:
    figure, axes = plt.subplots(figsize=(6, 3))
    for name, values in series.items():
        axes.plot(range(1, len(values) + 1), values, label=name)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if logy:
        axes.set_yscale("log")
    if len(series) > 1:
        axes.legend()
    return png_bytes(figure)
