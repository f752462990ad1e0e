import io

import numpy as np
import pytest
import torch

from motion_assets.core.config import ConfigError
from motion_assets.core.encoder.augmentations import crop, dropout, jitter, tempo
from motion_assets.core.encoder.checkpoint import load_encoder, save_encoder
from motion_assets.core.encoder.surprisal import sequence_surprisal
from motion_assets.core.encoder.training import train_encoder
from motion_assets.core.sequences.fsq import Codebook
from motion_assets_tests.core.encoder.test_encoder import patterned_sequences, tiny_config

LEVELS = (8, 5, 3)


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def _batch(lengths, seed=0):
    rng = np.random.default_rng(seed)
    width = max(lengths)
    tokens = torch.zeros(len(lengths), width, dtype=torch.long)
    for row, length in enumerate(lengths):
        tokens[row, :length] = torch.as_tensor(rng.integers(0, 120, length) + 1)
    return tokens, torch.as_tensor(lengths)


def _rows(tokens, lengths):
    return [tokens[i, : int(n)].tolist() for i, n in enumerate(lengths)]


def test_tempo_resamples_each_sequence_in_order_within_the_rate_range():
    tokens, lengths = _batch([40, 40, 25, 12])
    # distinct codes per position, so each view code names the step it came from
    tokens = torch.where(tokens > 0, torch.arange(1, 41).expand(4, 40), 0)
    view, new = tempo(tokens, lengths, 1.5, torch.Generator().manual_seed(0))
    for row, original in zip(_rows(view, new), lengths.tolist()):
        assert original / 1.5 - 1 <= len(row) <= original * 1.5 + 1
        assert row == sorted(row) and set(row) <= set(range(1, original + 1))
    assert (view[torch.arange(view.shape[1])[None, :] >= new[:, None]] == 0).all()


def test_jitter_moves_codes_one_step_on_one_fsq_axis_within_the_levels():
    tokens, _ = _batch([60] * 8)
    view = jitter(tokens, LEVELS, 0.3, 121, torch.Generator().manual_seed(1))
    codebook = Codebook(120, LEVELS)
    before, after = codebook.digits(tokens.numpy() - 1), codebook.digits(view.numpy() - 1)
    steps = np.abs(after - before)
    changed = steps.sum(axis=2) > 0
    assert 0.2 < changed.mean() < 0.4
    assert (steps.sum(axis=2)[changed] == 1).all() and (steps.max(axis=2) <= 1).all()
    assert ((after >= 0) & (after < np.asarray(LEVELS))).all()


def test_crop_keeps_a_contiguous_part_and_dropout_a_subsequence_in_order():
    tokens, lengths = _batch([30, 30, 20])
    noise = torch.Generator().manual_seed(2)
    for view, new in (crop(tokens, lengths, 0.6, noise), dropout(tokens, lengths, 0.3, noise)):
        for row, original in zip(_rows(view, new), _rows(tokens, lengths)):
            assert 2 <= len(row) <= len(original)
            rest = iter(original)
            assert all(code in rest for code in row)  # a subsequence, in order
    view, new = crop(tokens, lengths, 0.6, noise)
    for row, original in zip(_rows(view, new), _rows(tokens, lengths)):
        start = next(i for i in range(len(original)) if original[i : i + len(row)] == row)
        assert original[start : start + len(row)] == row


def test_an_unknown_augmentation_is_refused_by_name():
    with pytest.raises(ConfigError, match="objective.augmentations: 'mirror' is not one of"):
        tiny_config(objective={"augmentations": ["tempo", "mirror"]})


def test_a_contrastive_weight_needs_the_next_code_task():
    with pytest.raises(ConfigError, match="contrastive_weight: adds to the ntp loss only"):
        tiny_config(objective={"task": "mlm", "contrastive_weight": 0.5})


def test_next_code_training_with_augmented_views_keeps_surprisal_and_round_trips():
    config = tiny_config(objective={"contrastive_weight": 0.5,
                                    "augmentations": ["tempo", "crop", "jitter"]})
    result = train_encoder(patterned_sequences(), config)
    losses = [h["train_loss"] for h in result.history]
    assert losses[-1] < losses[0]
    buffer = io.BytesIO()
    save_encoder(result.model, buffer)
    buffer.seek(0)
    again = load_encoder(buffer, device="cpu")
    sequences = patterned_sequences(n=4, seed=1)
    assert np.allclose(sequence_surprisal(again, sequences),
                       sequence_surprisal(result.model, sequences))
