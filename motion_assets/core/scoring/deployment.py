"""The deployed scoring bundle of a variant: the model the evidence picks, the encoder's unknown
detector, and thresholds calibrated on training. What the scoring_bundle asset calls."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from motion_assets.core.clustering.config import (
    ClusteringConfig,
    ClusteringPipelineConfig,
    PreprocessingConfig,
)
from motion_assets.core.clustering.pipeline import ClusterPipeline
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.surprisal import supports_surprisal
from motion_assets.core.features.featurizers import table_levels
from motion_assets.core.scoring.bundle import ScoringBundle, Thresholds, make_scoring_bundle
from motion_assets.core.scoring.calibration import calibrated_bundle
from motion_assets.core.scoring.deployment_candidates import (
    CLUSTERERS,
    deployable,
    deployment_candidates,
)
from motion_assets.core.scoring.model_selection import Selection, select_deployed_model
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.scoring.unknown_detector import DEFAULT_VOICES, UnknownDetector
from motion_assets.core.sequences.overlap import featurizer_sequences

AUTO = "auto"


@dataclass
class Deployment:
    """The bundle, the evidence that chose its model, and the training table scored with it."""

    bundle: ScoringBundle
    selection: Selection
    training_scores: pd.DataFrame

    @property
    def batch_agreement(self) -> float:
        """Share of non-noise training sequences the online path puts where the fit did."""
        fitted = self.selection.pipeline.labels_
        clustered = fitted >= 0
        online = self.training_scores["cluster"].to_numpy()
        return float((online[clustered] == fitted[clustered]).mean()) if clustered.any() else 1.0


def clustering_config_of(hdbscan: ClusterPipeline, bayes_gmm: ClusterPipeline) -> ClusteringPipelineConfig:
    """The clustering settings the variant's fitted HDBSCAN and GMM were configured with, so the
    candidates are fitted as the user configured clustering."""
    return ClusteringPipelineConfig(
        preprocessing=PreprocessingConfig(lstm_feature=hdbscan.preprocessor.config),
        clustering=ClusteringConfig(hdbscan=hdbscan.clusterer.config,
                                    bayes_gmm=bayes_gmm.clusterer.config))


def deploy(training: pd.DataFrame, encoder: SequenceEncoder, *, variant: str,
           labelled: pd.DataFrame | None = None, clustering: ClusteringPipelineConfig | None = None,
           featurizer: str = AUTO, clusterer: str = AUTO, target_unknown_share: float = 0.05,
           threshold: float | None = None, noise_is_unknown: bool | None = None) -> Deployment:
    """Choose, fit, calibrate. ``featurizer`` / ``clusterer``: ``auto`` (every candidate) or a
    name that restricts the choice (e.g. ``encoder_ntp`` / ``bayes_gmm``); ``threshold``: a
    fixed probability threshold instead of calibration."""
    if clusterer != AUTO and clusterer not in CLUSTERERS:
        raise ValueError(f"clusterer must be {AUTO!r} or one of {list(CLUSTERERS)}, got {clusterer!r}")
    candidates = deployment_candidates(training, encoder, clustering, labelled,
                                       clusterers=CLUSTERERS if clusterer == AUTO else (clusterer,))
    if featurizer != AUTO:
        names = sorted({c.featurizer for c in candidates})
        candidates = [c for c in candidates if c.featurizer == featurizer]
        if not candidates:
            raise ValueError(f"featurizer must be {AUTO!r} or one of {names}, got {featurizer!r}")
    selection = select_deployed_model(candidates, training, labelled)
    selection.featurizer = deployable(selection.featurizer)
    voices = DEFAULT_VOICES if supports_surprisal(encoder) else ("novelty",)
    detector = UnknownDetector(voices).fit(encoder, featurizer_sequences(training))
    bundle = make_scoring_bundle(
        selection.featurizer, selection.pipeline, variant=variant,
        codebook_size=int(training["codebook_size"].max()), codebook_levels=table_levels(training),
        codes_per_window=int(training["codes_per_window"].mode().iloc[0]),
        training_rows=len(training), encoder=encoder, unknown_detector=detector,
        selection=selection.record())
    if threshold is not None:
        bundle.thresholds = Thresholds(threshold, "configured", threshold,
                                       noise_is_unknown=bool(noise_is_unknown))
    scores = score_sequences(bundle, training)  # one pass: calibration and the parity check
    if threshold is None:
        bundle = calibrated_bundle(bundle, training, target_unknown_share,
                                   noise_is_unknown=noise_is_unknown, training_scores=scores)
    return Deployment(bundle, selection, scores)
