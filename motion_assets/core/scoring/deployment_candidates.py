"""The models a variant may deploy: every featurizer the leaderboard ranks x every clusterer.

Featurizers: the trained encoder, the bag-of-codes baselines, LSA of code n-grams, a
multi-view of encoder + LSA + digit statistics, and, when a labelled subset exists, the
label-guided projection (core/features/label_guided.py) of the encoder and of the multi-view.
Clusterers: HDBSCAN, the Bayesian GMM, KMeans and spectral clustering, with one cluster per
label where a labelled subset says how many actions there are.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from motion_assets.core.clustering.config import ClusteringPipelineConfig
from motion_assets.core.clustering.pipeline import gmm_config_for_labels, make_clusterer
from motion_assets.core.clustering.spectral import SpectralConfig
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.features.featurizers import DigitStatistics, baseline_featurizers
from motion_assets.core.features.label_guided import LabelGuided
from motion_assets.core.features.views import Lsa, MultiView
from motion_assets.core.scoring.model_selection import Candidate

CLUSTERERS = ("hdbscan", "bayes_gmm", "kmeans", "spectral")


def _pipelines(config: ClusteringPipelineConfig, label_count: int | None) -> dict:
    """Clusterer name -> a function making a fresh pipeline (no novelty: the bundle's unknown
    detector has its own)."""
    settings = config.clustering
    preprocessing = config.preprocessing.lstm_feature
    kmeans, spectral = settings.kmeans, SpectralConfig()
    if label_count and label_count >= 2:
        kmeans = dataclasses.replace(kmeans, n_clusters=label_count)
        spectral = dataclasses.replace(spectral, n_clusters=label_count)
    configs = {"hdbscan": settings.hdbscan,
               "bayes_gmm": gmm_config_for_labels(settings.bayes_gmm, label_count),
               "kmeans": kmeans, "spectral": spectral}
    return {kind: (lambda kind=kind: make_clusterer(kind, configs[kind], preprocessing,
                                                    with_novelty=False))
            for kind in CLUSTERERS}


class _RememberedTransform:
    """A fitted featurizer that transforms each table object once: the selection transforms
    the training table for every clusterer, fold and label-guided fit (profiled: featurizing
    was about three quarters of a selection's time). Never deployed: see :func:`deployable`."""

    REMEMBERED_TABLES = 8  # training, the labelled subset and a few folds

    def __init__(self, featurizer) -> None:
        self.featurizer = featurizer
        self.name = featurizer.name
        self._memory: dict[int, tuple[pd.DataFrame, object]] = {}

    def transform(self, table: pd.DataFrame):
        # the table itself is kept with its features, so its id cannot be reused meanwhile
        if id(table) not in self._memory:
            if len(self._memory) >= self.REMEMBERED_TABLES:
                self._memory.pop(next(iter(self._memory)))
            self._memory[id(table)] = (table, self.featurizer.transform(table))
        return self._memory[id(table)][1]


def deployable(featurizer):
    """The featurizer to put in a bundle: the selection's transform memory taken out."""
    if isinstance(featurizer, _RememberedTransform):
        return featurizer.featurizer
    if isinstance(featurizer, LabelGuided) and isinstance(featurizer.base, _RememberedTransform):
        featurizer.base = featurizer.base.featurizer
    return featurizer


def _fixed(featurizer):
    remembered = _RememberedTransform(featurizer)
    return lambda labelled: remembered


def deployment_candidates(training: pd.DataFrame, encoder: SequenceEncoder | None,
                          config: ClusteringPipelineConfig | None = None,
                          labelled: pd.DataFrame | None = None, label_column: str = "label",
                          clusterers: tuple[str, ...] = CLUSTERERS) -> list[Candidate]:
    """Every featurizer x clusterer, featurizers fitted on ``training`` once (the encoder is
    already trained); label-guided ones are refitted per fold by the selection."""
    config = config or ClusteringPipelineConfig()
    has_labels = labelled is not None and label_column in labelled and \
        labelled[label_column].nunique() >= 2
    label_count = int(labelled[label_column].nunique()) if has_labels else None
    pipelines = _pipelines(config, label_count)
    views = {}
    if encoder is not None:
        views["encoder"] = EncoderFeaturizer.from_model(encoder)
    for featurizer in baseline_featurizers(training):
        views[featurizer.name] = featurizer.fit(training)
    lsa = Lsa().fit(training)
    views[lsa.name] = lsa
    if encoder is not None:
        digits = views.get(DigitStatistics.base_name)
        parts = [views["encoder"], lsa] + ([digits] if digits is not None else [])
        views["multi_view"] = MultiView(parts, fitted=True).fit(training)
    featurizers = {view.name: (_fixed(view), False) for view in views.values()}
    if has_labels and encoder is not None:
        for key in ("encoder", "multi_view"):
            base = _RememberedTransform(views[key])

            def guided(labelled_rows, base=base):
                return LabelGuided(base, labelled_rows, label_column, base_fitted=True).fit(training)

            featurizers[f"{base.name}_label_guided"] = (guided, True)
    return [Candidate(name, kind, make, pipelines[kind], uses_labels)
            for name, (make, uses_labels) in featurizers.items() for kind in clusterers]
