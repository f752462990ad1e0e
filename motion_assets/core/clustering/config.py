"""Clustering settings: frozen sections (core/config.py) mirroring the YAML keys.

The nesting follows the old tool's files (``preprocessing.lstm_feature.pca.*``,
``clustering.hdbscan.*``, ``clustering.bayes_gmm.*``). ``hdbscan_config.yaml`` is
:class:`HdbscanFitConfig`, ``bayes_gmm_config.yaml`` :class:`BayesGmmFitConfig`: each clusterer
has its own preprocessing, so the two files never share a section. The defaults are the
values measured best (benchmarks/quality_benchmark.py: deployed ARI on the labelled subset and
unknown-action AUROC, synthetic seeds 0 and 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from motion_assets.core.config import ConfigError, ConfigSection, check_choice, check_range

HDBSCAN_METRICS = ("euclidean", "l2", "manhattan", "l1", "cityblock", "chebyshev")
COVARIANCE_TYPES = ("auto", "full", "diag", "tied", "spherical")
# top-level keys of the old tool's clustering files that mean nothing here: runs are seeded per
# section (random_state) and Dagster's storage decides where outputs go
OLD_TOOL_FILE_KEYS = ("seed", "out_dir")


# ----------------------------------------------------------------------------- preprocessing


@dataclass(frozen=True)
class PcaConfig(ConfigSection):
    """Keep the fewest components reaching ``explained_variance``, within [min, max]."""

    section: ClassVar[str] = "preprocessing.lstm_feature.pca"
    enabled: bool = True
    max_components: int = 16
    explained_variance: float = 1.0
    min_components: int = 4
    random_state: int = 0

    def __post_init__(self) -> None:
        check_range(f"{self.section}.explained_variance", self.explained_variance, 0.0, 1.0)
        if not 1 <= self.min_components <= self.max_components:
            raise ConfigError(
                f"{self.section}: need 1 <= min_components <= max_components, got "
                f"{self.min_components} and {self.max_components}"
            )


@dataclass(frozen=True)
class NoveltyConfig(ConfigSection):
    """kNN novelty (core/clustering/novelty.py), fitted with the cluster pipeline and kept in the bundle.

    ``space``: ``raw`` = the L2-normalised input features (the embedding), ``reduced`` = the
    clusterer's input (after PCA). ``k``: the neighbour whose distance counts.
    ``max_reference``: training rows kept (float32). ``threshold``: a sequence whose novelty
    (the share of training sequences less isolated than it) reaches this is unknown; 0.95
    flags about 5 % of the training sequences.
    """

    section: ClassVar[str] = "preprocessing.lstm_feature.novelty"
    enabled: bool = True
    space: str = "raw"
    k: int = 5
    max_reference: int = 20_000
    threshold: float = 0.95
    random_state: int = 0

    def __post_init__(self) -> None:
        check_choice(f"{self.section}.space", self.space, ("raw", "reduced"))
        if self.k < 1 or self.max_reference < 2:
            raise ConfigError(f"{self.section}: need k >= 1 and max_reference >= 2")
        check_range(f"{self.section}.threshold", self.threshold, 0, 1)


@dataclass(frozen=True)
class FeaturePreprocessingConfig(ConfigSection):
    """PCA, then L2 normalisation (euclidean on unit vectors ranks pairs like cosine); the
    novelty model beside them."""

    section: ClassVar[str] = "preprocessing.lstm_feature"
    pca: PcaConfig = field(default_factory=PcaConfig)
    l2_normalize: bool = True
    novelty: NoveltyConfig = field(default_factory=NoveltyConfig)


@dataclass(frozen=True)
class PreprocessingConfig(ConfigSection):
    section: ClassVar[str] = "preprocessing"
    lstm_feature: FeaturePreprocessingConfig = field(default_factory=FeaturePreprocessingConfig)


# ----------------------------------------------------------------------------- clusterers


@dataclass(frozen=True)
class HdbscanConfig(ConfigSection):
    """Settings of the ``hdbscan`` package, restricted to what approximate_predict honours.

    ``min_cluster_size: 0`` (default) scales with the data: ``min_cluster_share`` of the
    fitted sequences (at least 5); 60 was the best fixed size at ~2,200 sequences
    (benchmarks/quality_benchmark.py), and a fixed size turns small variants into all noise.
    ``min_cluster_size_grid``: when not empty, every size is fitted and the one with the best
    DBCV (hdbscan's relative validity) wins; ``min_cluster_size`` is then unused.
    ``probability_threshold``: a sequence whose membership strength is below it is unknown.
    ``metric: cosine`` is translated to euclidean on L2-normalised vectors (with a warning),
    because the hdbscan package cannot fit cosine with prediction data.
    ``cluster_selection_epsilon`` must be 0: approximate_predict ignores it (open hdbscan bug,
    issues #375/#593), so the online path could not reproduce the batch labels.
    ``fit_sample_size``: the tree is built on a seeded draw (``random_state``) of at most this
    many rows, and every other row is assigned as a new sequence is (approximate_predict), so
    the fit stops growing with N; ``min_cluster_share`` is a share of the draw.
    """

    section: ClassVar[str] = "clustering.hdbscan"
    min_cluster_size: int = 0
    min_cluster_share: float = 0.027
    min_samples: int | None = 1
    metric: str = "euclidean"
    cluster_selection_epsilon: float = 0.0
    cluster_selection_method: str = "eom"
    min_cluster_size_grid: tuple[int, ...] = ()
    probability_threshold: float = 0.3
    core_dist_n_jobs: int = 1
    # at 50k (BENCHMARKS "Bounded fits after the encoder"): ARI against the true action 0.328
    # fitting all 49,023 rows, 0.384 / 0.377 on draws of 10,000 (seeds 0, 1), 0.373 / 0.382 on
    # 20,000; 24 -> 15 CPU s
    fit_sample_size: int = 10_000
    random_state: int = 0

    def __post_init__(self) -> None:
        if self.fit_sample_size < 2:
            raise ConfigError(f"{self.section}.fit_sample_size: must be >= 2")
        if self.min_cluster_size == 1 or self.min_cluster_size < 0 or any(
                size < 2 for size in self.min_cluster_size_grid):
            raise ConfigError(f"{self.section}: min_cluster_size values must be >= 2 (or 0: "
                             "min_cluster_share of the sequences)")
        check_range(f"{self.section}.min_cluster_share", self.min_cluster_share, 0, 1)
        if self.min_samples is not None and self.min_samples < 1:
            raise ConfigError(f"{self.section}.min_samples: must be >= 1 or null")
        if self.metric != "cosine":
            check_choice(f"{self.section}.metric", self.metric, HDBSCAN_METRICS + ("cosine",))
        check_choice(f"{self.section}.cluster_selection_method",
                      self.cluster_selection_method, ("eom", "leaf"))
        if self.cluster_selection_epsilon != 0.0:
            raise ConfigError(
                f"{self.section}.cluster_selection_epsilon={self.cluster_selection_epsilon}: "
                "only 0 is supported. hdbscan's approximate_predict ignores epsilon (open bug, "
                "scikit-learn-contrib/hdbscan#375), so online scoring would assign sequences to "
                "clusters the batch fit never had. Merge small clusters with a larger "
                "min_cluster_size (or min_cluster_size_grid) instead."
            )
        check_range(f"{self.section}.probability_threshold", self.probability_threshold, 0, 1)

    @classmethod
    def make_safe(cls, values: dict[str, Any], path: str) -> list[str]:
        epsilon = values.get("cluster_selection_epsilon", 0.0)
        if epsilon == 0.0:
            return []
        values["cluster_selection_epsilon"] = 0.0
        return [(f"{path}.cluster_selection_epsilon: {epsilon} replaced by 0: hdbscan's "
                "approximate_predict ignores epsilon (scikit-learn-contrib/hdbscan#375), so online "
                "scoring could not reproduce the batch clusters; merge small clusters with a larger "
                "min_cluster_size instead")]


@dataclass(frozen=True)
class BayesGmmConfig(ConfigSection):
    """Bayesian Gaussian mixture: ``n_components`` is an upper bound; unused ones get ~0 weight.

    ``covariance_type: auto`` picks ``full`` when
    ``N * dims**2 * n_components <= full_covariance_budget`` and there are at least 10 points
    per covariance parameter, else ``diag``: full is 5-10x slower (measured: 3000 x 16 dims,
    30 components took 41 s full vs 3 s diag), so at the default budget it costs ~10 s at most. A component counts as effective when its weight exceeds
    ``effective_weight_threshold``. ``probability_threshold``: below this max posterior a
    sequence is unknown. ``n_components: 0`` (default): as many components as the labelled
    subset has labels where there is one, else the count with the lowest BIC among
    ``2..max_components_auto`` (a plain Gaussian mixture per count). The Dirichlet-process
    prior alone barely prunes on these embeddings (measured: 20 components stayed 20), and
    on synthetic data BIC overshoots (9-12 components for 7 actions: ARI 0.31 vs 0.38).
    ``fit_sample_size``: the BIC choice and the mixture are fitted on a seeded draw of at most
    this many rows and every row is then assigned, so the fit's cost stops growing with N
    (benchmarks/scale_benchmark.py: 15 BIC fits + the mixture were 47 s of CPU at 10k rows).
    """

    section: ClassVar[str] = "clustering.bayes_gmm"
    n_components: int = 0
    max_components_auto: int = 16
    covariance_type: str = "auto"
    weight_concentration_prior_type: str = "dirichlet_process"
    weight_concentration_prior: float | None = None
    init_params: str = "kmeans"
    max_iter: int = 300
    n_init: int = 1
    tol: float = 1e-3
    reg_covar: float = 1e-5
    random_state: int = 0
    effective_weight_threshold: float = 0.01
    full_covariance_budget: float = 5e7
    probability_threshold: float = 0.5
    fit_sample_size: int = 10_000

    def __post_init__(self) -> None:
        if self.n_components < 0 or self.max_components_auto < 2:
            raise ConfigError(f"{self.section}.n_components: must be >= 1, or 0 for a BIC choice "
                             "(then max_components_auto >= 2)")
        check_choice(f"{self.section}.covariance_type", self.covariance_type, COVARIANCE_TYPES)
        check_choice(f"{self.section}.weight_concentration_prior_type",
                      self.weight_concentration_prior_type,
                      ("dirichlet_process", "dirichlet_distribution"))
        check_choice(f"{self.section}.init_params", self.init_params,
                      ("kmeans", "k-means++", "random", "random_from_data"))
        check_range(f"{self.section}.probability_threshold", self.probability_threshold, 0, 1)
        if self.fit_sample_size < 2:
            raise ConfigError(f"{self.section}.fit_sample_size: must be >= 2")


@dataclass(frozen=True)
class KMeansConfig(ConfigSection):
    """The bag-of-codes baseline; every point gets a cluster (no unknown)."""

    section: ClassVar[str] = "clustering.kmeans"
    n_clusters: int = 8
    n_init: int = 4
    max_iter: int = 300
    random_state: int = 0

    def __post_init__(self) -> None:
        if self.n_clusters < 1:
            raise ConfigError(f"{self.section}.n_clusters: must be >= 1")


@dataclass(frozen=True)
class SpectralConfig(ConfigSection):
    """``n_clusters``: the cut's cluster count (the labelled subset's label count where there is
    one). ``n_neighbors``: graph degree and the out-of-sample vote (15: the sklearn default,
    measured no worse than 10 or 30 in benchmarks/quality_benchmark.py). ``fit_sample_size``:
    the graph is cut on a seeded draw of at most this many rows, the others take the vote a new
    point takes (the eigensolver's cost and the graph's memory stop growing with N)."""

    section: ClassVar[str] = "clustering.spectral"
    n_clusters: int = 8
    n_neighbors: int = 15
    probability_threshold: float = 0.5
    random_state: int = 0
    fit_sample_size: int = 10_000

    def __post_init__(self) -> None:
        if self.n_clusters < 2 or self.n_neighbors < 2:
            raise ConfigError(f"{self.section}: need n_clusters >= 2 and n_neighbors >= 2")
        if self.fit_sample_size <= self.n_neighbors:
            raise ConfigError(f"{self.section}.fit_sample_size: must exceed n_neighbors")


# ----------------------------------------------------------------------------- the files


@dataclass(frozen=True)
class HdbscanClustering(ConfigSection):
    section: ClassVar[str] = "clustering"
    hdbscan: HdbscanConfig = field(default_factory=HdbscanConfig)


@dataclass(frozen=True)
class BayesGmmClustering(ConfigSection):
    section: ClassVar[str] = "clustering"
    bayes_gmm: BayesGmmConfig = field(default_factory=BayesGmmConfig)


@dataclass(frozen=True)
class KMeansClustering(ConfigSection):
    section: ClassVar[str] = "clustering"
    kmeans: KMeansConfig = field(default_factory=KMeansConfig)


@dataclass(frozen=True)
class ClusterFitConfig(ConfigSection):
    """One clusterer's file: its own preprocessing and its ``clustering.<kind>`` settings."""

    kind: ClassVar[str] = ""
    ignored_keys: ClassVar[tuple[str, ...]] = OLD_TOOL_FILE_KEYS
    preprocessing: PreprocessingConfig = field(default_factory=PreprocessingConfig)

    @property
    def clusterer(self) -> HdbscanConfig | BayesGmmConfig:
        return getattr(self.clustering, self.kind)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class HdbscanFitConfig(ClusterFitConfig):
    """hdbscan_config.yaml: what the hdbscan_clusters asset reads."""

    kind: ClassVar[str] = "hdbscan"
    clustering: HdbscanClustering = field(default_factory=HdbscanClustering)


@dataclass(frozen=True)
class BayesGmmFitConfig(ClusterFitConfig):
    """bayes_gmm_config.yaml: what the bayes_gmm_clusters asset reads."""

    kind: ClassVar[str] = "bayes_gmm"
    clustering: BayesGmmClustering = field(default_factory=BayesGmmClustering)
