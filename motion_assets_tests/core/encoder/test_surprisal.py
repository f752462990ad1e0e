"""Surprisal: the next-code model's mean surprise per code, calibrated on training."""

import numpy as np
import pytest
import torch

from motion_assets.core.encoder.surprisal import SurprisalNovelty, sequence_surprisal
from motion_assets.core.encoder.training import train_encoder
from motion_assets_tests.core.encoder.test_encoder import patterned_sequences, tiny_config


@pytest.fixture(scope="module")
def trained():
    torch.set_num_threads(1)
    sequences = patterned_sequences(160)
    return train_encoder(sequences, tiny_config(train={"epochs": 8})).model, sequences


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
