"""A variant's deployed bundle: built from the fitted parts and the training table, its
thresholds configured or calibrated there, its vocabulary curated from the taxonomy, and
checked against the batch clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from motion_assets.core.clustering.assignments import NOISE
from motion_assets.core.clustering.pipeline import ClusterPipeline
from motion_assets.core.curation.taxonomy import Taxonomy
from motion_assets.core.scoring.bundle import ScoringBundle, Thresholds, make_scoring_bundle
from motion_assets.core.scoring.calibration import calibrated_bundle
from motion_assets.core.scoring.config import ScoringBundleConfig
from motion_assets.core.scoring.curation import curated_bundle
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.facts import table_facts
from motion_assets.core.sequences.table import unique_sequences


def bundle_for_table(featurizer, pipeline: ClusterPipeline, table: pd.DataFrame,
                     variant: str) -> ScoringBundle:
    """A bundle of fitted parts with the codebook facts of the table they were fitted on."""
    facts = table_facts(table)
    return make_scoring_bundle(
        featurizer, pipeline, variant=variant, codebook_size=facts.codebook_size,
        codebook_levels=facts.codebook_levels, codes_per_window=facts.codes_per_window,
        training_rows=facts.training_rows,
    )


def deployed_bundle(featurizer, pipeline: ClusterPipeline, table: pd.DataFrame,
                    config: ScoringBundleConfig, variant: str, *, taxonomy: Taxonomy,
                    labelled: pd.DataFrame, candidates: pd.DataFrame | None = None,
                    ) -> tuple[ScoringBundle, pd.DataFrame, pd.DataFrame]:
    """The bundle that scores new files, the training rows' scores through it before curation
    (one pass serves the calibration and the parity check), and the cluster names its
    vocabulary was built from (:func:`~motion_assets.core.scoring.curation.curated_bundle`;
    raises :class:`~motion_assets.core.curation.taxonomy.TaxonomyError` or ``ValueError``)."""
    training = unique_sequences(table)
    bundle = bundle_for_table(featurizer, pipeline, table, variant)
    if config.threshold is not None:
        bundle.thresholds = Thresholds(config.threshold, "configured", config.threshold,
                                       noise_is_unknown=config.noise_is_unknown)
    scores = score_sequences(bundle, training)
    if config.threshold is None:
        bundle = calibrated_bundle(bundle, training, config.target_unknown_share,
                                   noise_is_unknown=config.noise_is_unknown,
                                   training_scores=scores)
    bundle, names = curated_bundle(bundle, taxonomy, labelled=labelled, training=training,
                                   candidates=candidates)
    return bundle, scores, names


def batch_agreement(scores: pd.DataFrame, batch: pd.DataFrame) -> float:
    """Share of the sequences the batch fit put in a cluster that the online path puts in the
    same one (tables joined on ``sequence_id``)."""
    batch_clusters = batch.set_index("sequence_id").loc[scores["sequence_id"], "cluster"].to_numpy()
    clustered = batch_clusters != NOISE
    return float(np.mean(scores["cluster"].to_numpy()[clustered] == batch_clusters[clustered]))
