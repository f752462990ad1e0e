"""The unknown detector: the encoder's own evidence, calibrated on training, in the bundle."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from motion_assets.core.clustering.config import KMeansConfig
from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.inference import embed
from motion_assets.core.features.featurizers import DigitStatistics
from motion_assets.core.features.views import MultiView
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.scoring.bundle import (
    bundle_from_bytes,
    bundle_to_bytes,
    make_scoring_bundle,
)
from motion_assets.core.scoring.calibration import calibrated_bundle
from motion_assets.core.scoring.runtime_export import runtime_arrays
from motion_assets.core.scoring.score import score_one, score_sequences
from motion_assets.core.scoring.unknown_detector import UnknownDetector
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.core.synthetic import synthetic_sequence_table
from motion_assets_tests.core.encoder.test_surprisal import log_softmax_surprisal
from motion_assets_tests.core.scoring.test_scoring_runtime import loaded, runtime_of


@pytest.fixture(scope="module")
def data():
    torch.set_num_threads(1)
    table = unique_sequences(synthetic_sequence_table(900, seed=1)).reset_index(drop=True)
    videos = list(dict.fromkeys(table["video"]))
    early = table["video"].isin(videos[: int(0.7 * len(videos))])
    training = table[early & ~table["is_unknown"]].reset_index(drop=True)
    config = SequenceEmbedConfig.from_dict({
        "codebook_size": 2048, "model": {"d_model": 16},
        "train": {"epochs": 3, "device": "cpu", "patience": 3, "batch_size": 32}})
    encoder = EncoderFeaturizer(config).fit(training).model_
    return {"training": training, "later": table[~early].reset_index(drop=True),
            "encoder": encoder,
            "detector": UnknownDetector(("novelty", "surprisal", "density", "transitions")).fit(
                encoder, featurizer_sequences(training), groups=training["video"].to_numpy())}


def multi_view_bundle(data, detector):
    training, encoder = data["training"], data["encoder"]
    featurizer = MultiView([EncoderFeaturizer.from_model(encoder),
                            DigitStatistics().fit(training)], fitted=True).fit(training)
    pipeline = make_clusterer("kmeans", KMeansConfig(n_clusters=7), with_novelty=False).fit(
        featurizer.transform(training))
    bundle = make_scoring_bundle(featurizer, pipeline, variant="v", codebook_size=2048,
                                 codebook_levels=table_levels(training),
                                 training_rows=len(training), encoder=encoder,
                                 unknown_detector=detector)
    return calibrated_bundle(bundle, training, 0.05)


@pytest.mark.parametrize("voices", [("novelty",), ("surprisal",), ("transitions",),
                                    ("novelty", "surprisal"), ("surprisal", "transitions")])
def test_each_voice_ranks_training_uniformly(data, voices):
    detector = data["detector"].with_voices(voices)
    training = featurizer_sequences(data["training"])
    score = detector.score(detector.voices(data["encoder"], training))
    assert np.mean(score > 0.95) == pytest.approx(0.05, abs=0.01)


def test_the_unseen_action_scores_higher_than_later_known_videos(data):
    later = data["later"]
    detector = data["detector"].with_voices(("novelty", "surprisal"))
    score = detector.score(detector.voices(data["encoder"], featurizer_sequences(later)))
    # measured with this tiny encoder (3 epochs, d_model 16): AUROC 0.66 (novelty alone
    # 0.59, surprisal alone 0.66); deterministic by seed
    assert roc_auc_score(later["is_unknown"], score) >= 0.6


@pytest.mark.parametrize("voices", [("novelty", "surprisal"), ("surprisal", "transitions")])
def test_a_calibrated_detector_bundle_flags_the_target_share_of_training(data, voices):
    bundle = multi_view_bundle(data, data["detector"].with_voices(voices))
    scores = score_sequences(bundle, data["training"])
    assert scores["unknown"].mean() == pytest.approx(0.05, abs=2 / len(data["training"]))
    assert scores["surprisal"].notna().all() and scores["novelty"].notna().all()


def test_a_bundle_with_an_encoder_inside_a_multi_view_round_trips(data):
    bundle = multi_view_bundle(data, data["detector"].with_voices(("novelty", "surprisal")))
    raw = bundle_to_bytes(bundle)
    loaded = bundle_from_bytes(raw, sha256_hex(raw))
    assert set(loaded.provenance["part_sha256"]) == {"encoder.pt", "featurizer.pkl",
                                                     "pipeline.pkl", "unknown_detector.pkl"}
    assert loaded.featurizer.views[0].model_ is loaded.encoder  # one encoder, not a pickled copy
    before, after = score_sequences(bundle, data["later"]), score_sequences(loaded, data["later"])
    np.testing.assert_array_equal(before["cluster"], after["cluster"])
    np.testing.assert_allclose(before["unknown_score"], after["unknown_score"], atol=1e-6)
    assert (before["unknown"] == after["unknown"]).all()


def encoder_bundle(data, detector):
    """The deployed shape: the plain encoder as featurizer (with the pipeline's own kNN
    novelty), the detector beside it."""
    training, encoder = data["training"], data["encoder"]
    featurizer = EncoderFeaturizer.from_model(encoder)
    pipeline = make_clusterer("kmeans", KMeansConfig(n_clusters=7)).fit(featurizer.transform(training))
    return make_scoring_bundle(featurizer, pipeline, variant="v", codebook_size=2048,
                               codebook_levels=table_levels(training),
                               training_rows=len(training), encoder=encoder,
                               unknown_detector=detector)


def test_an_encoder_bundle_scores_the_voices_of_embed_and_the_surprisal_definition(data):
    detector = data["detector"]
    later = data["later"].iloc[:40]
    sequences = featurizer_sequences(later)
    expected = detector.voices(data["encoder"], sequences, embed(data["encoder"], sequences),
                               log_softmax_surprisal(data["encoder"], sequences))
    scores = score_sequences(encoder_bundle(data, detector), later)
    np.testing.assert_allclose(scores["novelty"], expected["novelty"])
    np.testing.assert_allclose(scores["surprisal"], expected["surprisal"])
    np.testing.assert_allclose(scores["unknown_score"], detector.score(expected))


def test_a_single_sequence_scores_as_its_row_of_the_batch_with_a_detector(data):
    bundle = encoder_bundle(data, data["detector"])
    later = data["later"].iloc[:6]
    batch = score_sequences(bundle, later)
    # ranks: the kNN distance |q|^2 + |r|^2 - 2 q.r in float32 is ~1e-3 exact for near
    # neighbours, so one row against many may move a rank by a training point or two
    rank_step = 2 / len(data["training"])
    for i, codes in enumerate(later["codes"]):
        one = score_one(bundle, np.asarray(codes).tolist(), 14)
        assert one["cluster"] == batch["cluster"].iloc[i]
        for column in ("novelty", "surprisal", "unknown_score"):
            assert one[column] == pytest.approx(batch[column].iloc[i], abs=rank_step), column


def test_a_single_sequence_scores_as_its_row_of_the_batch_with_the_transitions_voice(data):
    bundle = encoder_bundle(data, data["detector"].with_voices(("surprisal", "transitions")))
    later = data["later"].iloc[:6]
    batch = score_sequences(bundle, later)
    for i, codes in enumerate(later["codes"]):
        one = score_one(bundle, np.asarray(codes).tolist(), 14)
        assert one["unknown_score"] == pytest.approx(batch["unknown_score"].iloc[i], abs=1e-9)
        assert one["unknown"] == batch["unknown"].iloc[i]


def test_the_runtime_export_carries_the_transitions_voice(data):
    # the runtime ranks it as the detector does (test_runtime_views.py)
    bundle = encoder_bundle(data, data["detector"].with_voices(("novelty", "transitions")))
    arrays, settings = runtime_arrays(bundle)
    assert settings["detector"]["transitions"]["beta"] == bundle.unknown_detector.transitions_.beta_
    assert len(arrays["detector.transitions.known_values"]) == len(bundle.unknown_detector.transitions_.held_out_)


def test_the_numpy_runtime_scores_the_transitions_voice_as_the_full_path(data, tmp_path):
    bundle = calibrated_bundle(
        encoder_bundle(data, data["detector"].with_voices(("transitions",))), data["training"], 0.05)
    runtime = runtime_of(bundle, tmp_path)
    rows = pd.concat([data["later"].iloc[:30], data["training"].iloc[:10]], ignore_index=True)
    expected = score_sequences(loaded(bundle)[0], rows)
    scores = runtime.score(featurizer_sequences(rows))
    # training rows too: the export keeps their cross-fitted values; counts, no float32 embedding
    np.testing.assert_array_equal(scores["unknown_score"], expected["unknown_score"])
    np.testing.assert_array_equal(scores["unknown"], expected["unknown"])


def test_a_detector_bundle_does_not_compute_the_pipelines_novelty(data, monkeypatch):
    bundle = encoder_bundle(data, data["detector"])

    def refuse(features):
        raise AssertionError("the pipeline's novelty was computed, though the detector replaces it")

    monkeypatch.setattr(bundle.pipeline.novelty, "score", refuse)
    scores = score_sequences(bundle, data["later"].iloc[:5])
    assert scores["novelty"].notna().all()


@pytest.mark.parametrize("featurizer", ["encoder", "multi_view"])
def test_scoring_runs_the_encoder_once_per_length_for_features_and_detector(data, featurizer):
    detector = data["detector"]
    bundle = (encoder_bundle(data, detector) if featurizer == "encoder"
              else multi_view_bundle(data, detector))
    forwards = []
    hook = data["encoder"].rnn.register_forward_hook(lambda *_: forwards.append(1))
    try:
        rows = data["later"].iloc[:12]
        score_sequences(bundle, rows)
        batch_forwards = len(forwards)
        score_one(bundle, np.asarray(rows["codes"].iloc[0]).tolist(), 14)
    finally:
        hook.remove()
    assert batch_forwards == rows["codes"].map(len).nunique()  # one per equal-length batch
    assert len(forwards) == batch_forwards + 1
