"""Surprisal: the next-code model's mean surprise per code, calibrated on training."""

import numpy as np
import pytest
import torch

from motion_assets.core.encoder import inference
from motion_assets.core.encoder.inference import embed
from motion_assets.core.encoder.length_batches import to_tokens
from motion_assets.core.encoder.surprisal import (
    SurprisalNovelty,
    embed_with_surprisal,
    sequence_surprisal,
)
from motion_assets.core.encoder.training import train_encoder
from motion_assets_tests.core.encoder.test_encoder import patterned_sequences, tiny_config


@pytest.fixture(scope="module", params=["codes", "digits"])
def trained(request):
    """An encoder with each next-code head (core/encoder/heads.py)."""
    torch.set_num_threads(1)
    sequences = patterned_sequences(160)
    config = tiny_config(model={"output_head": request.param}, train={"epochs": 8})
    model = train_encoder(sequences, config).model
    assert model.config.model.output_head == request.param
    return model, sequences


def log_softmax_surprisal(model, sequences):
    """The definition, one sequence at a time: the model's forward, the log-probability of
    every code at every step (the head's ``log_probs``), the target's entry, the mean (NaN
    for one code)."""
    out = []
    with torch.inference_mode():
        for codes in sequences:
            codes = np.asarray(codes)[: model.config.sequence.max_len]
            tokens, lengths = to_tokens([codes])
            states, _ = model.eval()(tokens, lengths)
            log_p = model.head.log_probs(states[:, :-1])
            picked = log_p.gather(2, (tokens[:, 1:] - 1)[..., None])
            out.append(-picked.mean().item() if len(codes) > 1 else np.nan)
    return np.array(out)


@pytest.mark.parametrize("kernel", ["rnn", "token_table"])
def test_one_forward_gives_the_embedding_and_the_surprisal_of_two(trained, kernel,
                                                                   monkeypatch):
    model, sequences = trained
    if kernel == "token_table":  # the kernel of large batches, on any batch
        monkeypatch.setattr(inference, "TABLE_KERNEL_WORK", 1)
    mixed = sequences[:30] + [np.array([4]), np.resize(sequences[0], 400)]  # one code; past max_len
    embeddings, surprisal = embed_with_surprisal(model, mixed)
    np.testing.assert_allclose(embeddings, embed(model, mixed), atol=1e-5)
    np.testing.assert_allclose(surprisal, log_softmax_surprisal(model, mixed), rtol=1e-5)


def test_sequences_unlike_training_are_more_surprising(trained):
    model, sequences = trained
    rng = np.random.default_rng(5)
    unlike = [rng.integers(0, 120, len(s)) for s in sequences[:40]]
    assert np.median(sequence_surprisal(model, unlike)) > 1.5 * np.median(
        sequence_surprisal(model, sequences[:40]))


def test_surprisal_does_not_depend_on_the_other_sequences_in_the_batch(trained):
    model, sequences = trained
    alone = sequence_surprisal(model, [sequences[3]])
    together = sequence_surprisal(model, sequences[:20])
    assert alone[0] == pytest.approx(together[3], abs=1e-5)


def test_a_one_code_sequence_has_no_surprisal_and_ranks_zero(trained):
    model, sequences = trained
    novelty = SurprisalNovelty().fit(model, sequences)
    assert np.isnan(sequence_surprisal(model, [np.array([4])]))[0]
    assert novelty.score(model, [np.array([4])])[0] == 0.0


def test_the_rank_is_the_share_of_training_below(trained):
    model, sequences = trained
    novelty = SurprisalNovelty().fit(model, sequences)
    ranks = novelty.score(model, sequences)
    assert ranks.min() == 0.0 and ranks.max() == pytest.approx(1 - 1 / len(sequences))


def test_surprisal_refuses_an_encoder_without_a_next_code_head():
    model = train_encoder(patterned_sequences(40), tiny_config(
        objective={"task": "mlm"}, train={"epochs": 1})).model
    with pytest.raises(ValueError, match="ntp"):
        sequence_surprisal(model, patterned_sequences(4))


@pytest.mark.parametrize("model_section, export", [
    ({"pooling": "last"}, {}), ({"pooling": "max"}, {}), ({}, {"l2_normalize": False})])
def test_one_forward_follows_the_pooling_and_normalisation_of_embed(model_section, export):
    sequences = patterned_sequences(40)
    model = train_encoder(sequences, tiny_config(model=model_section, export=export,
                                                 train={"epochs": 1})).model
    embeddings, surprisal = embed_with_surprisal(model, sequences)
    np.testing.assert_allclose(embeddings, embed(model, sequences), atol=1e-5)
    np.testing.assert_allclose(surprisal, log_softmax_surprisal(model, sequences), rtol=1e-5)
