"""The numpy scoring runtime scores as score_sequences does, from an export of the bundle."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.curation.vocabulary import CuratedVocabulary
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.featurizer import EncoderFeaturizer
from motion_assets.core.encoder.inference import embed
from motion_assets.core.encoder.surprisal import sequence_surprisal
from motion_assets.core.encoder.training import train_encoder
from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.model_versions import publish_version
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.scoring.bundle import Thresholds, bundle_from_bytes, bundle_to_bytes
from motion_assets.core.scoring.runtime_export import (
    RuntimeUnsupported,
    publish_runtime_export,
    runtime_arrays,
)
from motion_assets.core.scoring.runtime_file import ExportRefused, export_path, read_export
from motion_assets.core.scoring.runtime_model import ScoringRuntime
from motion_assets.core.scoring.score import SCORE_COLUMNS, score_sequences
from motion_assets.core.scoring.unknown_detector import UnknownDetector
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.overlap import featurizer_sequences
from motion_assets_tests.core.scoring.test_single_sequence import bundle_of

LABELS = ("cluster", "best_cluster", "is_noise", "unknown", "action_cluster", "action")
VALUES = ("probability", "soft_probability", "outlier_score", "novelty", "surprisal",
          "unknown_score")


def tiny_config(task: str = "ntp", **model) -> SequenceEmbedConfig:
    return SequenceEmbedConfig.from_dict({
        "codebook_size": 2048, "model": {"d_model": 16, **model}, "objective": {"task": task},
        "train": {"epochs": 1, "device": "cpu", "patience": 1, "batch_size": 32},
    })


@pytest.fixture(scope="module")
def featurizer(training):
    torch.set_num_threads(1)
    return EncoderFeaturizer(tiny_config()).fit(training)


def detector_bundle(featurizer, training, kind: str, voices=("novelty", "surprisal", "density")):
    """A deployed-like bundle: encoder featurizer, ``kind`` clusterer, the encoder's detector."""
    pipeline = make_clusterer(kind, with_novelty=False).fit(featurizer.transform(training))
    bundle = bundle_of(featurizer, pipeline, training)
    bundle.unknown_detector = UnknownDetector(voices).fit(featurizer.model_,
                                                          featurizer_sequences(training))
    bundle.thresholds = Thresholds(0.4, unknown_score=0.8)
    return bundle


def loaded(bundle):
    """The bundle as the CLI finds it: its file's bytes loaded back, its hash and the bytes."""
    data = bundle_to_bytes(bundle)
    digest = sha256_hex(data)
    return bundle_from_bytes(data, digest), digest, data


def runtime_of(bundle, tmp_path) -> ScoringRuntime:
    """Export ``bundle`` beside its stored version and load the runtime from that file."""
    bundle, digest, data = loaded(bundle)
    layout = StorageLayout(str(tmp_path))
    publish_version(layout, "scoring_bundle", "v", data, None)
    publish_runtime_export(layout, "v", bundle, digest)
    return ScoringRuntime(*read_export(export_path(layout, "v", digest), digest), digest)


def assert_scores_equal(runtime: ScoringRuntime, bundle, rows) -> None:
    expected = score_sequences(bundle, rows)
    scores = runtime.score(featurizer_sequences(rows))
    assert set(scores) == set(SCORE_COLUMNS) - {"sequence_id", "bundle_hash"}
    for column in LABELS:
        assert scores[column].tolist() == expected[column].tolist(), column
    for column in VALUES:
        np.testing.assert_allclose(scores[column], expected[column].to_numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=column)


@pytest.mark.parametrize("kind", ["hdbscan", "bayes_gmm", "kmeans"])
def test_runtime_scores_equal_the_full_path_with_the_unknown_detector(featurizer, training,
                                                                      new_rows, kind, tmp_path):
    bundle = detector_bundle(featurizer, training, kind)
    assert_scores_equal(runtime_of(bundle, tmp_path), loaded(bundle)[0], new_rows)


@pytest.mark.parametrize("kind", ["hdbscan", "bayes_gmm"])
def test_runtime_scores_equal_the_full_path_with_the_pipelines_own_novelty(featurizer, training,
                                                                           new_rows, kind, tmp_path):
    pipeline = make_clusterer(kind).fit(featurizer.transform(training))
    bundle = bundle_of(featurizer, pipeline, training)
    assert_scores_equal(runtime_of(bundle, tmp_path), loaded(bundle)[0], new_rows)


def test_runtime_applies_the_curated_vocabulary(featurizer, training, new_rows, tmp_path):
    bundle = detector_bundle(featurizer, training, "bayes_gmm")
    bundle.vocabulary = CuratedVocabulary(merges={1: 0}, names={0: "walk"}, not_actions={2})
    runtime = runtime_of(bundle, tmp_path)
    assert_scores_equal(runtime, loaded(bundle)[0], new_rows)
    assert "walk" in runtime.score(featurizer_sequences(new_rows))["action"].tolist()


@pytest.mark.parametrize("model", [{"rnn_type": "gru", "pooling": "max"},
                                   {"pooling": "last"},
                                   {"bidirectional": True, "pooling": "mean"}])
def test_numpy_encoder_embeds_as_the_model_does(training, model, tmp_path):
    config = tiny_config("mlm" if model.get("bidirectional") else "ntp", **model)
    assert config.model.bidirectional == model.get("bidirectional", False)
    sequences = featurizer_sequences(training)[:40]
    encoder = train_encoder(sequences, config).model
    pipeline = make_clusterer("kmeans").fit(embed(encoder, sequences))
    bundle = bundle_of(EncoderFeaturizer.from_model(encoder), pipeline, training)
    runtime = runtime_of(bundle, tmp_path)
    pooled, _ = runtime.encoder.embed(sequences)
    np.testing.assert_allclose(pooled, embed(encoder, sequences), atol=2e-6)


@pytest.fixture(scope="module")
def digit_featurizer(training):
    """The encoder with the FSQ-digit next-code head (core/encoder/heads.py)."""
    return EncoderFeaturizer(tiny_config(output_head="digits")).fit(training)


@pytest.mark.parametrize("head", ["featurizer", "digit_featurizer"])
def test_numpy_encoder_surprisal_equals_the_models(head, training, tmp_path, request):
    featurizer = request.getfixturevalue(head)
    runtime = runtime_of(detector_bundle(featurizer, training, "bayes_gmm"), tmp_path)
    beyond_the_grid = np.arange(1900, 2048)  # valid ids past the 1,920 of levels 8,8,6,5
    sequences = featurizer_sequences(training)[:30] + [np.array([5]), np.arange(900) % 2048,
                                                       beyond_the_grid]
    _, surprisal = runtime.encoder.embed(sequences)
    np.testing.assert_allclose(surprisal, sequence_surprisal(featurizer.model_, sequences),
                               rtol=1e-5)


def test_an_export_made_from_another_bundle_is_refused(featurizer, training, tmp_path):
    bundle, digest, _ = loaded(detector_bundle(featurizer, training, "bayes_gmm"))
    layout = StorageLayout(str(tmp_path))
    publish_runtime_export(layout, "v", bundle, digest)
    other = "0" * 64
    export_path(layout, "v", digest).rename(export_path(layout, "v", other))
    with pytest.raises(ExportRefused, match=f"made from bundle {digest[:12]}"):
        read_export(export_path(layout, "v", other), other)


def test_a_bundle_the_runtime_does_not_cover_gets_no_export(featurizer, training, tmp_path):
    no_overlap = EncoderFeaturizer.from_model(featurizer.model_, remove_overlap=True)
    bundle, digest, _ = loaded(detector_bundle(no_overlap, training, "kmeans"))
    with pytest.raises(RuntimeUnsupported, match="without their overlap are not reproduced"):
        runtime_arrays(bundle)
    reason = publish_runtime_export(StorageLayout(str(tmp_path)), "v", bundle, digest)
    assert reason.startswith("none: featurizer encoder_ntp_no_overlap")
    assert not export_path(StorageLayout(str(tmp_path)), "v", digest).exists()


def test_the_runtime_validates_files_with_the_bundles_codebook(featurizer, training, tmp_path):
    runtime = runtime_of(detector_bundle(featurizer, training, "bayes_gmm"), tmp_path)
    settings = runtime.codebook_settings()
    assert (settings.configured_size, settings.configured_levels) == (2048, table_levels(training))


def test_saturated_gates_embed_without_a_warning(featurizer, training, tmp_path):
    runtime = runtime_of(detector_bundle(featurizer, training, "bayes_gmm"), tmp_path)
    for gates, _, _ in runtime.encoder.directions:
        gates *= 1e4  # every gate far in saturation: exp(-x) overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pooled, surprisal = runtime.encoder.embed(featurizer_sequences(training)[:3])
    assert np.isfinite(pooled).all() and np.isfinite(surprisal).all()


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_damaged_export_is_refused(featurizer, training, tmp_path, damage):
    bundle, digest, _ = loaded(detector_bundle(featurizer, training, "bayes_gmm"))
    layout = StorageLayout(str(tmp_path))
    publish_runtime_export(layout, "v", bundle, digest)
    path = export_path(layout, "v", digest)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[:1000]
    else:
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ExportRefused, match="is not a scoring runtime export"):
        read_export(path, digest)


def test_an_export_the_storage_refuses_leaves_a_reason_not_a_failure(featurizer, training,
                                                                      tmp_path):
    bundle, digest, _ = loaded(detector_bundle(featurizer, training, "bayes_gmm"))
    (tmp_path / "scoring_bundle").write_text("a file where the folder should be")
    reason = publish_runtime_export(StorageLayout(str(tmp_path)), "v", bundle, digest)
    assert reason.startswith("none: not written")
