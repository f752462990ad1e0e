"""A variant's deployed bundle: the featurizer x clusterer the evidence picks, the encoder's
unknown detector, thresholds configured or calibrated on training, its vocabulary curated from
the taxonomy, and checked against the fit it came from. What the scoring_bundle asset calls."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from motion_assets.core.clustering.pipeline import ClusterPipeline
from motion_assets.core.clustering.stable_ids import stable_cluster_ids
from motion_assets.core.curation.taxonomy import Taxonomy
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.surprisal import supports_surprisal
from motion_assets.core.features.draws import sample_rows
from motion_assets.core.scoring.bundle import ScoringBundle, Thresholds, make_scoring_bundle
from motion_assets.core.scoring.calibration import calibrated_bundle
from motion_assets.core.scoring.config import AUTO, DEPLOYABLE_CLUSTERERS, ScoringBundleConfig
from motion_assets.core.scoring.curation import curated_bundle
from motion_assets.core.scoring.deployment_candidates import deployable, deployment_candidates
from motion_assets.core.scoring.model_selection import Selection, select_deployed_model
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.scoring.unknown_detector import UnknownDetector
from motion_assets.core.sequences.facts import table_facts
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets.core.sequences.table import unique_sequences

# Bounded per-variant work (BENCHMARKS "The whole graph at scale": at 50k the detector's fit
# and the scoring of every training sequence were most of scoring_bundle's ~340 CPU s):
# The detector fits on a seeded draw this size (its kNN keeps as many). At 50k, AUROC of its
# combined score for the unseen action on 5,000 held-out sequences: 0.364 fitted on 20,000,
# 0.369 / 0.369 on 10,000 (seeds 0, 1), fit 32 -> 15 CPU s (BENCHMARKS "Bounded fits after
# the encoder")
DETECTOR_ROWS = 10_000
SCORED_ROWS = 10_000  # calibration + parity draw: a 5 % quantile of 10,000 is within ~0.2 %
# rows whose old and new clusters match up the cluster ids: at 50k, 20,000, 5,000 and 2,000
# rows gave the same mapping (a cluster is >= ~2.7 % of the rows: >= ~130 of 5,000)
STABLE_ID_ROWS = 5_000


def bundle_for_table(featurizer, pipeline: ClusterPipeline, table: pd.DataFrame,
                     variant: str, **parts) -> ScoringBundle:
    """A bundle of fitted parts with the codebook facts of the table they were fitted on
    (``parts``: further :func:`make_scoring_bundle` arguments)."""
    facts = table_facts(table)
    return make_scoring_bundle(
        featurizer, pipeline, variant=variant, codebook_size=facts.codebook_size,
        codebook_levels=facts.codebook_levels, codes_per_window=facts.codes_per_window,
        training_rows=facts.training_rows, **parts,
    )


@dataclass
class Deployment:
    """The bundle, the evidence that chose its model, a draw of the training sequences
    (``scored_rows``, at most :data:`SCORED_ROWS`) scored through it before curation (one pass
    serves the calibration and the parity check), and the cluster names its vocabulary was
    built from."""

    bundle: ScoringBundle
    selection: Selection
    training_scores: pd.DataFrame
    scored_rows: np.ndarray
    names: pd.DataFrame

    @property
    def batch_agreement(self) -> float:
        """Share of non-noise scored training sequences the online path puts where the fit did."""
        fitted = np.asarray(self.selection.pipeline.labels_)[self.scored_rows]
        clustered = fitted >= 0
        online = self.training_scores["cluster"].to_numpy()
        return float((online[clustered] == fitted[clustered]).mean()) if clustered.any() else 1.0


def select_model(training: pd.DataFrame, encoder: SequenceEncoder,
                 fitted: Mapping[str, ClusterPipeline], labelled: pd.DataFrame | None,
                 config: ScoringBundleConfig) -> Selection:
    """The candidates ``config`` allows (``auto`` or a name for featurizer and clusterer),
    fitted on ``training`` and judged (core/scoring/model_selection.py). ``fitted``: the
    variant's fitted models, whose settings the candidates keep. Raises ``ValueError`` for a
    featurizer name that is not a candidate."""
    clusterers = DEPLOYABLE_CLUSTERERS if config.clusterer == AUTO else (config.clusterer,)
    candidates = deployment_candidates(training, encoder, fitted, labelled, clusterers=clusterers)
    if config.featurizer != AUTO:
        names = sorted({c.featurizer for c in candidates})
        candidates = [c for c in candidates if c.featurizer == config.featurizer]
        if not candidates:
            raise ValueError(f"featurizer must be {AUTO!r} or one of {names}, "
                             f"got {config.featurizer!r}")
    selection = select_deployed_model(candidates, training, labelled)
    selection.featurizer = deployable(selection.featurizer)
    return selection


def deployed_bundle(encoder: SequenceEncoder, fitted: Mapping[str, ClusterPipeline],
                    table: pd.DataFrame, config: ScoringBundleConfig, variant: str, *,
                    taxonomy: Taxonomy, labelled: pd.DataFrame,
                    candidates: pd.DataFrame | None = None,
                    previous: ScoringBundle | None = None) -> Deployment:
    """Choose (:func:`select_model`), fit the unknown detector, calibrate or configure the
    thresholds, curate (:func:`~motion_assets.core.scoring.curation.curated_bundle`; raises
    :class:`~motion_assets.core.curation.taxonomy.TaxonomyError` or ``ValueError``).
    ``labelled``: the labelled subset (rows without a label are not used to choose);
    ``previous``: the bundle deployed before, whose cluster ids the new one keeps. The
    detector fits and the thresholds calibrate on seeded draws (:data:`DETECTOR_ROWS`,
    :data:`SCORED_ROWS`), disjoint where the variant is large enough, so the calibration
    scores sequences as new files are scored."""
    training = unique_sequences(table)
    with_labels = labelled[labelled["label"].notna()] if len(labelled) else None
    selection = select_model(training, encoder, fitted, with_labels, config)
    keep_cluster_ids(selection.pipeline, training, previous)
    voices = tuple(v for v in config.unknown_voices
                   if v != "surprisal" or supports_surprisal(encoder)) or ("novelty",)
    fit_rows, scored_rows = _detector_and_scored_rows(len(training))
    fitted_on = training.iloc[fit_rows]
    detector = UnknownDetector(voices).fit(encoder, featurizer_sequences(fitted_on),
                                           groups=fitted_on["video"].to_numpy())
    bundle = bundle_for_table(selection.featurizer, selection.pipeline, table, variant,
                              encoder=encoder, unknown_detector=detector,
                              selection=selection.record())
    if config.threshold is not None:
        bundle.thresholds = Thresholds(config.threshold, "configured", config.threshold,
                                       noise_is_unknown=config.noise_is_unknown)
    scored = training.iloc[scored_rows].reset_index(drop=True)
    scores = score_sequences(bundle, scored)
    if config.threshold is None:
        bundle = calibrated_bundle(bundle, scored, config.target_unknown_share,
                                   noise_is_unknown=config.noise_is_unknown,
                                   training_scores=scores)
    bundle, names = curated_bundle(bundle, taxonomy, labelled=labelled, training=training,
                                   candidates=candidates)
    return Deployment(bundle, selection, scores, scored_rows, names)


def _detector_and_scored_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The detector's fit rows and the calibration rows: disjoint draws when ``n`` holds both,
    else all rows for each (a small variant has no sequences to spare)."""
    if n < DETECTOR_ROWS + SCORED_ROWS:
        return sample_rows(n, DETECTOR_ROWS, seed=0), sample_rows(n, SCORED_ROWS, seed=1)
    order = np.random.default_rng(0).permutation(n)
    return np.sort(order[:DETECTOR_ROWS]), np.sort(order[DETECTOR_ROWS:DETECTOR_ROWS + SCORED_ROWS])


def keep_cluster_ids(pipeline: ClusterPipeline, training: pd.DataFrame,
                     previous: ScoringBundle | None) -> None:
    """Renumber ``pipeline`` (fitted on ``training``, in order) so that its clusters carry the
    ids of the previous bundle's clusters they share most members with (stable_ids.py); the
    first bundle numbers them by size. The taxonomy names clusters by id: a refit, or a model
    of another kind chosen by the evidence, must not hand a name to a different cluster."""
    ids = training["sequence_id"].to_numpy()
    before = None
    if previous is not None:  # the previous model's clusters of a draw: their overlap decides
        rows = sample_rows(len(training), STABLE_ID_ROWS, seed=0)
        matched = training.iloc[rows].reset_index(drop=True)
        before = pd.Series(previous.pipeline.predict(previous.featurizer.transform(matched)),
                           index=ids[rows])
    current = pd.Series(np.asarray(pipeline.labels_), index=ids)
    stable = stable_cluster_ids(before, current)
    mapping = dict(zip(current.to_numpy().tolist(), stable.to_numpy().tolist()))
    pipeline.renumber({k: mapping[v] for k, v in pipeline.cluster_ids_.items() if v in mapping})

