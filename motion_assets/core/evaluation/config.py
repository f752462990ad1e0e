"""Evaluation settings of eval_config.yaml: the labelled leaderboard's k range and KMeans
(labelled_evaluation), and the UMAP pictures (umap_projection). Its ``label_processing``
section belongs to the labelled subset (core/sequences/config.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from motion_assets.core.clustering.config import KMeansClustering
from motion_assets.core.config import ConfigError, ConfigSection

# The old tool's plot styling: our pictures have one fixed, readable style
PLOT_STYLE_KEYS = ("figsize", "dpi", "point_size", "alpha", "cmap", "palette", "font_size",
                   "style", "format")


@dataclass(frozen=True)
class UmapConfig(ConfigSection):
    """2-D UMAP for pictures. Fit on at most ``fit_sample_size`` points, transform the rest.

    With a ``random_state`` UMAP is deterministic and single-threaded; ``n_jobs`` only applies
    when ``random_state`` is null.
    """

    section: ClassVar[str] = "visualization.umap"
    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "euclidean"
    random_state: int | None = 42
    fit_sample_size: int = 10_000
    n_jobs: int = 2

    def __post_init__(self) -> None:
        if self.n_neighbors < 2:
            raise ConfigError(f"{self.section}.n_neighbors: must be >= 2")
        if self.fit_sample_size < self.n_neighbors + 1:
            raise ConfigError(f"{self.section}.fit_sample_size: must exceed n_neighbors")


@dataclass(frozen=True)
class VisualizationConfig(ConfigSection):
    section: ClassVar[str] = "visualization"
    ignored_keys: ClassVar[tuple[str, ...]] = PLOT_STYLE_KEYS
    umap: UmapConfig = field(default_factory=UmapConfig)


@dataclass(frozen=True)
class ProjectionConfig(ConfigSection):
    """What umap_projection reads of eval_config.yaml."""

    visualization: VisualizationConfig = field(default_factory=VisualizationConfig)


@dataclass(frozen=True)
class LeaderboardConfig(ConfigSection):
    """What labelled_evaluation reads of eval_config.yaml. ``kmin``/``kmax``: KMeans and the
    GMM run for every k in [kmin, kmax]; both null means k = the number of labels. HDBSCAN,
    the GMM's other settings and each clusterer's preprocessing are the deployed models' own."""

    kmin: int | None = None
    kmax: int | None = None
    clustering: KMeansClustering = field(default_factory=KMeansClustering)

    def __post_init__(self) -> None:
        if (self.kmin is None) != (self.kmax is None):
            raise ConfigError("kmin, kmax: set both or neither")
        if self.kmin is not None and not 2 <= self.kmin <= self.kmax:  # type: ignore[operator]
            raise ConfigError(f"kmin, kmax: need 2 <= kmin <= kmax, got {self.kmin} and {self.kmax}")
