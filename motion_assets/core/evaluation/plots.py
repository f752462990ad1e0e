"""Report-sized PNG plots for the UI: each function returns PNG bytes, never shows a window.

Figures are 10 inches wide at 100 dpi (about 1000 px, so they read at full size in a
dialog), with 12-point text, and saved as palette PNGs: the event log stores every plot
inline, and a 256-colour PNG of a chart is a fraction of the RGBA one at no visible cost.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # headless: assets and tests draw without a display
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image

DPI = 100
WIDTH_INCHES = 10.0
STYLE = {"font.size": 12, "axes.titlesize": 14, "axes.labelsize": 12, "legend.fontsize": 11,
         "xtick.labelsize": 11, "ytick.labelsize": 11, "axes.spines.top": False,
         "axes.spines.right": False}
BAR_COLOUR = "#4c72b0"


def figure(height_inches: float = 5.5, width_inches: float = WIDTH_INCHES):
    """A new figure and axes in the house style (fonts sized for a 1000 px picture)."""
    with plt.rc_context(STYLE):
        return plt.subplots(figsize=(width_inches, height_inches), layout="constrained")


def png_bytes(fig: Figure) -> bytes:
    """Render a figure at its full size to a palette PNG and release it."""
    buffer = io.BytesIO()
    with plt.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    plt.close(fig)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    compact = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(compact, format="png",
                                                                       optimize=True)
    return compact.getvalue()


def bar_png(labels: Sequence, values: Sequence[float], *, title: str, ylabel: str,
            xlabel: str = "", colours: Sequence | None = None) -> bytes:
    fig, axes = figure()
    names = [str(label) for label in labels]
    axes.bar(names, values, color=list(colours) if colours is not None else BAR_COLOUR)
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.set_xlabel(xlabel)
    if len(names) > 12:
        axes.tick_params(axis="x", labelrotation=90, labelsize=9 if len(names) > 40 else 11)
    axes.grid(axis="y", alpha=0.3)
    return png_bytes(fig)


def line_png(series: dict[str, Sequence[float]], *, title: str, xlabel: str, ylabel: str,
             logy: bool = False, mark_x: int | None = None, mark_label: str = "") -> bytes:
    """One line per series over 1..n; ``mark_x`` draws a dashed vertical line (e.g. the
    best epoch)."""
    fig, axes = figure()
    for name, values in series.items():
        xs = range(1, len(values) + 1)
        axes.plot(xs, values, label=name, linewidth=2, marker="o" if len(values) <= 30 else None)
    if mark_x is not None:
        axes.axvline(mark_x, color="#555555", linestyle="--", linewidth=1, label=mark_label or None)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
    if logy:
        axes.set_yscale("log")
    if len(series) > 1 or mark_label:
        axes.legend()
    return png_bytes(fig)
