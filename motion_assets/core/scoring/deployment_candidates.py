"""The models a variant may deploy: every featurizer the leaderboard ranks x every clusterer.

Featurizers: the trained encoder, the bag-of-codes baselines, LSA of code n-grams, a
multi-view of encoder + LSA + digit statistics, and, when a labelled subset exists, the
label-guided projection (core/features/label_guided.py) of the encoder and of the multi-view.
Clusterers: HDBSCAN, the Bayesian GMM, KMeans and spectral clustering, with one cluster per
label where a labelled subset says how many actions there are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from motion_assets.core.clustering.config import KMeansConfig, SpectralConfig
from motion_assets.core.clustering.pipeline import (
    ClusterPipeline,
    gmm_config_for_labels,
    make_clusterer,
)
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.features.featurizers import DigitStatistics, baseline_featurizers, fit_rows
from motion_assets.core.features.label_guided import LabelGuided
from motion_assets.core.features.views import Lsa, MultiView
from motion_assets.core.scoring.config import DEPLOYABLE_CLUSTERERS
from motion_assets.core.scoring.model_selection import Candidate


def _pipelines(fitted: Mapping[str, ClusterPipeline], label_count: int | None) -> dict:
    """Clusterer name -> a function making a fresh pipeline (no novelty: the bundle's unknown
    detector has its own). HDBSCAN and the GMM keep the settings and preprocessing of the
    variant's fitted models (``fitted``: kind -> pipeline) where given; KMeans and spectral
    clustering take HDBSCAN's preprocessing, one cluster per label where labels say how many."""
    kmeans, spectral = KMeansConfig(), SpectralConfig()
    if label_count and label_count >= 2:
        kmeans = dataclasses.replace(kmeans, n_clusters=label_count)
        spectral = dataclasses.replace(spectral, n_clusters=label_count)
    hdbscan = fitted.get("hdbscan")
    preprocessing = hdbscan.preprocessor.config if hdbscan is not None else None

    def own(kind):
        template = fitted.get(kind)
        if template is None:
            template = make_clusterer(kind, with_novelty=False)
        settings = template.clusterer.config
        if kind == "bayes_gmm":
            settings = gmm_config_for_labels(settings, label_count)
        return lambda: template.unfitted_copy(settings, with_novelty=False)

    return {"hdbscan": own("hdbscan"), "bayes_gmm": own("bayes_gmm"),
            "kmeans": lambda: make_clusterer("kmeans", kmeans, preprocessing, with_novelty=False),
            "spectral": lambda: make_clusterer("spectral", spectral, preprocessing,
                                               with_novelty=False)}


def deployable_featurizers(training: pd.DataFrame, encoder: SequenceEncoder | None,
                           *also: pd.DataFrame) -> list:
    """Every featurizer a variant may deploy that learns no labels, fitted on ``training``
    (on :func:`fit_rows` of it: a bounded draw): the encoder, the bag-of-codes baselines, LSA
    and the multi-view. The labelled leaderboard ranks exactly these. ``also``: other tables
    they must apply to (a baseline needing what one lacks, e.g. the mean latent, is left out)."""
    fitted_on = fit_rows(training)
    views = [EncoderFeaturizer.from_model(encoder)] if encoder is not None else []
    baselines = [featurizer.fit(fitted_on)
                 for featurizer in baseline_featurizers(training, *also)]
    lsa = Lsa().fit(fitted_on)
    views += baselines + [lsa]
    if encoder is not None:
        digits = [f for f in baselines if isinstance(f, DigitStatistics)]
        views.append(MultiView([views[0], lsa, *digits], fitted=True).fit(fitted_on))
    return views


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
        # the table itself is kept with its features, so its id cannot be reused meanwhile;
        # least recently used goes first: every fold's labelled rows are a new small table,
        # and evicting the training table instead re-embedded it (at 50k, most of a selection)
        key = id(table)
        if key in self._memory:
            self._memory[key] = self._memory.pop(key)
        else:
            if len(self._memory) >= self.REMEMBERED_TABLES:
                self._memory.pop(next(iter(self._memory)))
            self._memory[key] = (table, self.featurizer.transform(table))
        return self._memory[key][1]


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
                          fitted: Mapping[str, ClusterPipeline] | None = None,
                          labelled: pd.DataFrame | None = None, label_column: str = "label",
                          clusterers: tuple[str, ...] = DEPLOYABLE_CLUSTERERS) -> list[Candidate]:
    """Every featurizer x clusterer, featurizers fitted once on a bounded draw of ``training``
    (:func:`fit_rows`; the encoder is already trained); label-guided ones are refitted per
    fold by the selection, on that draw. ``fitted``:
    the variant's fitted models whose settings the candidates keep (see :func:`_pipelines`)."""
    has_labels = labelled is not None and label_column in labelled and \
        labelled[label_column].nunique() >= 2
    label_count = int(labelled[label_column].nunique()) if has_labels else None
    pipelines = _pipelines(fitted or {}, label_count)
    views = deployable_featurizers(training, encoder)
    fitted_on = fit_rows(training)  # one table object for every fold: its transform is remembered
    featurizers = {view.name: (_fixed(view), False) for view in views}
    if has_labels and encoder is not None:
        guided_bases = [views[0]] + [view for view in views if isinstance(view, MultiView)]
        for view in guided_bases:
            base = _RememberedTransform(view)

            def guided(labelled_rows, base=base):
                return LabelGuided(base, labelled_rows, label_column, base_fitted=True).fit(fitted_on)

            featurizers[f"{base.name}_label_guided"] = (guided, True)
    return [Candidate(name, kind, make, pipelines[kind], uses_labels)
            for name, (make, uses_labels) in featurizers.items() for kind in clusterers]
