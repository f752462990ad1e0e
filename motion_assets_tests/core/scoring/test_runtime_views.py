"""The numpy scoring runtime scores every featurizer x clusterer the leaderboard may deploy as
score_sequences does: TF-IDF, LSA, digit statistics, the mean latent, the multi-view, the
label-guided projections, and spectral clustering's neighbour vote."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from motion_assets.core.clustering.config import BayesGmmConfig
from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.features.featurizers import MeanLatent
from motion_assets.core.features.label_guided import LabelGuided
from motion_assets.core.scoring.bundle import Thresholds, make_scoring_bundle
from motion_assets.core.scoring.deployment_candidates import deployable_featurizers
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.scoring.unknown_detector import UnknownDetector
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets_tests.core.scoring.test_scoring_runtime import (
    assert_scores_equal,
    loaded,
    runtime_of,
    tiny_config,
)

MULTI_VIEW = "multi_view[encoder_ntp+lsa_code_ngram12_tfidf+fsq_digit_stats]"
# a fixed component count: the BIC choice would fit 15 mixtures per test for nothing
SMALL_GMM = BayesGmmConfig(n_components=4)


@pytest.fixture(scope="module")
def encoder(training):
    torch.set_num_threads(1)
    return EncoderFeaturizer(tiny_config()).fit(training).model_


@pytest.fixture(scope="module")
def views(training, encoder):
    """Every deployable featurizer by name, fitted as deployment_candidates.py fits them."""
    fitted = {view.name: view for view in deployable_featurizers(training, encoder)}
    labelled = training.assign(label=training["action"])
    for base in ("encoder_ntp", MULTI_VIEW):
        guided = LabelGuided(fitted[base], labelled, base_fitted=True).fit(training)
        fitted[guided.name] = guided
    return fitted


@pytest.fixture(scope="module")
def detector(training, encoder):
    return UnknownDetector(("novelty", "surprisal")).fit(encoder, featurizer_sequences(training))


def deployed_like(featurizer, encoder, detector, training, kind: str):
    """A bundle as scoring_bundle deploys one: ``featurizer``, a ``kind`` pipeline without its
    own novelty, the encoder's unknown ``detector`` (novelty + surprisal)."""
    config = SMALL_GMM if kind == "bayes_gmm" else None
    pipeline = make_clusterer(kind, config, with_novelty=False).fit(featurizer.transform(training))
    bundle = make_scoring_bundle(featurizer, pipeline, variant="synthetic_cb2048",
                                 codebook_size=2048, codebook_levels=table_levels(training),
                                 codes_per_window=14, training_rows=len(training),
                                 encoder=encoder, unknown_detector=detector)
    bundle.thresholds = Thresholds(0.4, unknown_score=0.8)
    return bundle


@pytest.mark.parametrize("name", ["bag_of_codes_tfidf", "code_ngram12_tfidf", "fsq_digit_stats",
                                  "lsa_code_ngram12_tfidf", MULTI_VIEW, "encoder_ntp_label_guided",
                                  f"{MULTI_VIEW}_label_guided"])
def test_runtime_scores_each_deployable_featurizer_as_the_full_path(views, encoder, detector, training,
                                                                   new_rows, name, tmp_path):
    bundle = deployed_like(views[name], encoder, detector, training, "bayes_gmm")
    assert_scores_equal(runtime_of(bundle, tmp_path), loaded(bundle)[0], new_rows)


@pytest.mark.parametrize("name", ["encoder_ntp", "code_ngram12_tfidf", f"{MULTI_VIEW}_label_guided"])
def test_runtime_scores_spectral_clustering_by_the_same_neighbour_vote(views, encoder, detector, training,
                                                                      new_rows, name, tmp_path):
    bundle = deployed_like(views[name], encoder, detector, training, "spectral")
    assert_scores_equal(runtime_of(bundle, tmp_path), loaded(bundle)[0], new_rows)


@pytest.mark.parametrize("kind", ["hdbscan", "kmeans"])
def test_runtime_reduces_sparse_tfidf_input_by_the_pipelines_truncated_svd(views, encoder, detector, training,
                                                                          new_rows, kind, tmp_path):
    bundle = deployed_like(views["code_ngram12_tfidf"], encoder, detector, training, kind)
    assert loaded(bundle)[0].pipeline.preprocessor.reducer_.__class__.__name__ == "TruncatedSVD"
    assert_scores_equal(runtime_of(bundle, tmp_path), loaded(bundle)[0], new_rows)


def test_runtime_reads_the_mean_latent_of_each_row(encoder, detector, training, new_rows, tmp_path):
    def with_latents(table, seed):
        latents = np.random.default_rng(seed).normal(size=(len(table), 6)).astype(np.float32)
        return table.assign(mean_latent=list(latents))

    training, new_rows = with_latents(training, 0), with_latents(new_rows, 1)
    bundle = deployed_like(MeanLatent().fit(training), encoder, detector, training, "bayes_gmm")
    runtime = runtime_of(bundle, tmp_path)
    expected = score_sequences(loaded(bundle)[0], new_rows)
    scores = runtime.score(featurizer_sequences(new_rows), list(new_rows["mean_latent"]))
    assert scores["cluster"].tolist() == expected["cluster"].tolist()
    np.testing.assert_allclose(scores["probability"], expected["probability"], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=f"mean_latent is missing for {len(new_rows)} of {len(new_rows)} rows"):
        runtime.score(featurizer_sequences(new_rows))



def test_runtime_ranks_the_transitions_voice_as_the_detector_does(views, encoder, training,
                                                                  new_rows, tmp_path):
    detector = UnknownDetector(("novelty", "surprisal", "transitions")).fit(
        encoder, featurizer_sequences(training), groups=training["video"].to_numpy())
    bundle = deployed_like(views["code_ngram12_tfidf"], encoder, detector, training, "bayes_gmm")
    runtime = runtime_of(bundle, tmp_path)
    assert_scores_equal(runtime, loaded(bundle)[0], new_rows)
    # a training sequence gets its cross-fitted value, as in the detector's calibration
    own = runtime.transitions.rank(featurizer_sequences(training))
    np.testing.assert_array_equal(own, detector.transitions_.training_ranks_)
