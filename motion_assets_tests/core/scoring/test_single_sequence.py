"""The single-sequence path (score_codes, score_one) gives what the batch path gives."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from motion_assets.core.clustering.config import KMeansConfig
from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.features.featurizers import BagOfCodesTfidf
from motion_assets.core.scoring.bundle import make_scoring_bundle
from motion_assets.core.scoring.score import (
    SCORE_COLUMNS,
    codes_table,
    score_codes,
    score_one,
    score_sequences,
)
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.core.synthetic import synthetic_sequence_table


@pytest.fixture(scope="module")
def training():
    return unique_sequences(synthetic_sequence_table(300, seed=4)).reset_index(drop=True)


def bundle_of(featurizer, pipeline, training):
    return make_scoring_bundle(featurizer, pipeline, variant="synthetic_cb2048",
                               codebook_size=2048, codebook_levels=table_levels(training),
                               codes_per_window=14, training_rows=len(training))


@pytest.fixture(scope="module")
def bundles(training):
    """A tiny encoder; an HDBSCAN and a Bayesian GMM bundle over it (with kNN novelty)."""
    torch.set_num_threads(1)
    config = SequenceEmbedConfig.from_dict({
        "codebook_size": 2048, "model": {"d_model": 16},
        "train": {"epochs": 1, "device": "cpu", "patience": 1, "batch_size": 32},
    })
    featurizer = EncoderFeaturizer(config).fit(training)
    features = featurizer.transform(training)
    return {kind: bundle_of(featurizer, make_clusterer(kind).fit(features), training)
            for kind in ("hdbscan", "bayes_gmm")}


def sequences(training) -> list[list[int]]:
    """Real sequences, and cut or tiled to 14, 42 and 406 codes (past the model's max_len)."""
    real = [np.asarray(codes).tolist() for codes in training["codes"].iloc[:6]]
    return real + [np.resize(real[0], n).tolist() for n in (14, 42, 406)]


@pytest.mark.parametrize("kind", ["hdbscan", "bayes_gmm"])
def test_score_codes_equals_the_batch_path_of_its_table(bundles, training, kind):
    bundle = bundles[kind]
    for codes in sequences(training):
        expected = score_sequences(bundle, codes_table(bundle, codes))
        pd.testing.assert_frame_equal(score_codes(bundle, codes), expected)


@pytest.mark.parametrize("kind", ["hdbscan", "bayes_gmm"])
def test_score_codes_equals_the_row_of_a_whole_batch(bundles, kind):
    # new sequences: a training sequence sits on its own rank in the outlier and novelty
    # references, where a rounding difference moves it by one training point
    rows = unique_sequences(synthetic_sequence_table(60, seed=9)).iloc[:8]
    bundle = bundles[kind]
    batch = score_sequences(bundle, rows)
    for i, codes in enumerate(rows["codes"]):
        one = score_codes(bundle, np.asarray(codes).tolist(), sequence_id=rows["sequence_id"].iloc[i])
        for column in ("cluster", "best_cluster", "is_noise", "unknown", "action"):
            assert one[column].iloc[0] == batch[column].iloc[i], column
        for column in ("probability", "soft_probability", "outlier_score", "novelty",
                       "unknown_score"):  # one row against many: float rounding of the LSTM
            assert one[column].iloc[0] == pytest.approx(batch[column].iloc[i], abs=1e-5), column


def test_score_one_is_the_score_codes_row_as_plain_values(bundles, training):
    bundle = bundles["hdbscan"]
    for codes in sequences(training):
        one = score_one(bundle, codes, sequence_id="s", bundle_hash="abc")
        frame = score_codes(bundle, codes, sequence_id="s", bundle_hash="abc")
        assert list(one) == list(SCORE_COLUMNS)
        for column, value in one.items():
            expected = frame[column].iloc[0]
            assert type(value) in (int, float, bool, str), column
            assert value == expected or (math.isnan(value) and math.isnan(expected)), column


def test_score_codes_of_a_baseline_featurizer_goes_through_its_table(training):
    featurizer = BagOfCodesTfidf().fit(training)
    pipeline = make_clusterer("kmeans", KMeansConfig(n_clusters=3)).fit(featurizer.transform(training))
    bundle = bundle_of(featurizer, pipeline, training)
    for codes in sequences(training):
        pd.testing.assert_frame_equal(score_codes(bundle, codes),
                                      score_sequences(bundle, codes_table(bundle, codes)))


def test_score_codes_takes_numpy_codes_like_python_ints(bundles, training):
    bundle, codes = bundles["bayes_gmm"], sequences(training)[0]
    expected = score_codes(bundle, codes)
    for given in (np.asarray(codes, dtype=np.int32), np.asarray(codes).reshape(-1, 14),
                  [np.int64(code) for code in codes]):
        pd.testing.assert_frame_equal(score_codes(bundle, given), expected)


def test_score_one_leaves_torch_at_the_policy_thread_count(bundles, training):
    """Leaving the call's BLAS limit must not restore torch's OpenMP pool to its count on
    entry, undoing the policy's count that embedding set inside the call."""
    from motion_assets.core.encoder.threads import torch_threads

    torch.set_num_threads(torch_threads() + 1)
    try:
        score_one(bundles["bayes_gmm"], sequences(training)[0])
        assert torch.get_num_threads() == torch_threads()
    finally:
        torch.set_num_threads(torch_threads())
