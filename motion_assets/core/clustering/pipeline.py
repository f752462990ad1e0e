"""Clusterers with one small protocol: ``fit``, ``predict``, ``predict_proba``, ``assign``
(+ ``assign_with_membership``).

- ``fit(features)`` learns clusters; afterwards ``labels_`` and ``training_assignments_``.
- ``predict(features)`` -> (n,) int cluster ids, -1 for noise (HDBSCAN only).
- ``predict_proba(features)`` -> (n, n_clusters_) soft membership (columns = cluster ids).
- ``assign(features)`` -> :class:`Assignments` for new points: the one predict path that
  batch and online scoring share; ``assign_with_membership(features)`` (optional) -> it and
  ``predict_proba`` together, from one pass (what scoring calls when a clusterer has it).

Two HDBSCAN probabilities are kept apart: *membership strength* (``probabilities_`` /
approximate_predict: how deep inside its own cluster a point sits, 0 for noise) is the
``probability`` of an assignment; *soft membership* (membership vectors: how much a point
belongs to each cluster) is ``predict_proba``. For the GMM both are the posterior.

Outlier scores, all in [0, 1], higher = more unusual:
- HDBSCAN: GLOSH (``outlier_scores_`` / ``approximate_predict_scores``).
- GMM: the share of training points with a higher log-likelihood than this point
  (1 = less likely than every training point).
- KMeans: the share of the cluster's training members closer to its centroid.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from motion_assets.core.clustering.assignments import NOISE, Assignments, Clusterer
from motion_assets.core.clustering.clusterers import (
    BayesGmmClusterer,
    HdbscanClusterer,
    KMeansClusterer,
    choose_covariance,
)
from motion_assets.core.clustering.config import (
    BayesGmmConfig,
    ClusterFitConfig,
    FeaturePreprocessingConfig,
    HdbscanConfig,
    KMeansConfig,
    SpectralConfig,
)
from motion_assets.core.clustering.novelty import KnnNovelty
from motion_assets.core.clustering.preprocess import Preprocessor
from motion_assets.core.clustering.spectral import SpectralClusterer
from motion_assets.core.clustering.stable_ids import relabel

__all__ = ["NOISE", "Assignments", "BayesGmmClusterer", "ClusterPipeline", "Clusterer",
           "HdbscanClusterer", "KMeansClusterer", "choose_covariance", "make_clusterer"]


# ----------------------------------------------------------------------------- pipeline


class ClusterPipeline:
    """Preprocessing + a clusterer behind the same protocol: what a scoring bundle stores."""

    def __init__(self, preprocessor: Preprocessor, clusterer: Clusterer,
                 novelty: KnnNovelty | None = None, novelty_space: str = "raw",
                 novelty_threshold: float | None = None) -> None:
        self.preprocessor = preprocessor
        self.clusterer = clusterer
        self.novelty = novelty
        self.novelty_space = novelty_space  # "raw": the input features; "reduced": after PCA
        self.novelty_threshold = novelty_threshold if novelty is not None else None

    @property
    def name(self) -> str:
        return self.clusterer.name  # type: ignore[attr-defined]

    @property
    def probability_threshold(self) -> float:
        return self.clusterer.probability_threshold

    def unfitted_copy(self, settings: HdbscanConfig | BayesGmmConfig | KMeansConfig | None = None,
                      *, with_novelty: bool = True) -> ClusterPipeline:
        """A fresh pipeline with this one's preprocessing and clusterer settings (or
        ``settings`` instead): what a refit on other rows or features starts from."""
        return make_clusterer(self.name, settings or self.clusterer.config,
                              self.preprocessor.config, with_novelty=with_novelty)

    def fit_report(self) -> dict:
        """What the fit decided, for people: the clusterer's facts (scalars and tables)."""
        return self.clusterer.fit_report()

    def cluster_persistence(self) -> np.ndarray | None:
        """HDBSCAN's persistence per stable cluster id (NaN where unknown); None for others."""
        persistence = self.clusterer.fit_report().get("persistence")
        if persistence is None:
            return None
        ordered = np.full(len(persistence), np.nan)
        for clusterer_id, stable_id in self.cluster_ids_.items():
            if stable_id < len(ordered):
                ordered[stable_id] = persistence[clusterer_id]
        return ordered

    def fit(self, features) -> ClusterPipeline:
        reduced = self.preprocessor.fit_transform(features)
        self.clusterer.fit(reduced)
        if self.novelty is not None:
            self.novelty.fit(features if self.novelty_space == "raw" else reduced)
        self.n_clusters_ = self.clusterer.n_clusters_
        self.renumber({c: c for c in range(self.n_clusters_)})
        return self

    def renumber(self, mapping: dict[int, int]) -> ClusterPipeline:
        """Report clusters under stable ids (clusterer id -> id, see cluster_ids.py) from now
        on, in training assignments and predictions alike; noise stays -1."""
        self.cluster_ids_ = {int(k): int(v) for k, v in mapping.items()}
        self.training_assignments_ = self._renumbered(self.clusterer.training_assignments_)
        self.labels_ = self.training_assignments_.cluster
        return self

    def _renumbered(self, assignments: Assignments) -> Assignments:
        return dataclasses.replace(assignments, cluster=relabel(assignments.cluster, self.cluster_ids_))

    def transform(self, features) -> np.ndarray:
        return self.preprocessor.transform(features)

    def predict(self, features) -> np.ndarray:
        return relabel(self.clusterer.predict(self.transform(features)), self.cluster_ids_)

    def predict_proba(self, features) -> np.ndarray:
        """Soft membership ``(n, n_clusters_)``; column j is the clusterer's cluster j, whose
        stable id is ``cluster_ids_[j]``."""
        return self.clusterer.predict_proba(self.transform(features))

    def assign(self, features) -> Assignments:
        return self._renumbered(self.clusterer.assign(self.transform(features)))

    @property
    def has_novelty(self) -> bool:
        return self.novelty is not None

    def novelty_score(self, features, reduced: np.ndarray | None = None) -> np.ndarray:
        """kNN novelty in [0, 1] (core/clustering/novelty.py); NaN when the pipeline has none."""
        if not self.has_novelty:
            return np.full(features.shape[0], np.nan)
        if self.novelty_space == "raw":
            return self.novelty.score(features)
        return self.novelty.score(self.transform(features) if reduced is None else reduced)

    def score_parts(self, features, *, with_novelty: bool = True,
                    ) -> tuple[Assignments, np.ndarray, np.ndarray, np.ndarray]:
        """Assignments, soft membership ``(n, n_clusters_)``, the stable id of each
        soft-membership column and the novelty ``[N]`` (NaN without one, or when not
        ``with_novelty``: a caller with its own novelty), from one preprocessing pass: what
        the scoring path needs."""
        reduced = self.transform(features)
        column_ids = np.array([self.cluster_ids_.get(j, j) for j in range(self.n_clusters_)],
                              dtype=np.int64)
        one_pass = getattr(self.clusterer, "assign_with_membership", None)
        if one_pass is None:  # a clusterer without the one-pass method: two passes, same result
            assignments, soft = self.clusterer.assign(reduced), self.clusterer.predict_proba(reduced)
        else:
            assignments, soft = one_pass(reduced)
        novelty = (self.novelty_score(features, reduced) if with_novelty
                   else np.full(features.shape[0], np.nan))
        return self._renumbered(assignments), soft, column_ids, novelty


def make_clusterer(kind: str,
                   config: HdbscanConfig | BayesGmmConfig | KMeansConfig | SpectralConfig | None = None,
                   preprocessing: FeaturePreprocessingConfig | None = None, *,
                   with_novelty: bool = True) -> ClusterPipeline:
    """``kind`` in {"hdbscan", "bayes_gmm", "kmeans", "spectral"}; default configs where None.

    ``with_novelty=False`` skips the novelty model, which serves online scoring only (refits
    for the leaderboard or stability would pay its fit for nothing)."""
    kinds = {"hdbscan": HdbscanClusterer, "bayes_gmm": BayesGmmClusterer,
             "kmeans": KMeansClusterer, "spectral": SpectralClusterer}
    if kind not in kinds:
        raise ValueError(f"unknown clusterer {kind!r}; expected one of {sorted(kinds)}")
    preprocessing = preprocessing or FeaturePreprocessingConfig()
    settings = preprocessing.novelty
    novelty = (KnnNovelty(settings.k, settings.max_reference, normalize=True,
                          random_state=settings.random_state)
               if settings.enabled and with_novelty else None)
    return ClusterPipeline(Preprocessor(preprocessing), kinds[kind](config),  # type: ignore[arg-type]
                           novelty, settings.space, settings.threshold)


def fit_cluster_pipeline(config: ClusterFitConfig, features,
                         label_count: int | None = None) -> ClusterPipeline:
    """The deployed pipeline of one clusterer file, fitted; ``label_count``: see
    :func:`gmm_config_for_labels`."""
    settings = config.clusterer
    if config.kind == "bayes_gmm":
        settings = gmm_config_for_labels(settings, label_count)
    return make_clusterer(config.kind, settings, config.preprocessing.lstm_feature).fit(features)


def gmm_config_for_labels(config: BayesGmmConfig, label_count: int | None) -> BayesGmmConfig:
    """``n_components: 0`` means: as many components as the hand-labelled subset has labels
    (the user's own count of action types), and a BIC choice when there is no such subset."""
    if config.n_components or not label_count or label_count < 2:
        return config
    return dataclasses.replace(config, n_components=int(label_count))

