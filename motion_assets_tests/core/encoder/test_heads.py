"""The next-code heads: the digit head is an exact distribution over the codebook."""

import io

import numpy as np
import pytest
import torch

from motion_assets.core.config import ConfigError
from motion_assets.core.encoder.checkpoint import load_encoder, save_encoder
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.heads import CodeHead, DigitHead
from motion_assets.core.encoder.inference import embed
from motion_assets.core.encoder.training import resolve_config, train_encoder
from motion_assets_tests.core.encoder.test_encoder import patterned_sequences, tiny_config

LEVELS = (8, 5, 3)  # a grid of 120 ids


def random_head(codebook_size: int) -> DigitHead:
    torch.manual_seed(0)
    head = DigitHead(6, codebook_size, LEVELS)
    with torch.no_grad():
        head.bias.normal_(0, 2)  # a gate and digits far from uniform
    return head


@pytest.mark.parametrize("codebook_size", [120, 130])  # the grid exactly; 10 ids beyond it
def test_the_digit_heads_probabilities_sum_to_one_over_the_codebook(codebook_size):
    head = random_head(codebook_size).double()  # float64: the sum is exact to rounding
    with torch.no_grad():
        probabilities = head.log_probs(torch.randn(50, 6, dtype=torch.float64)).exp()
    assert probabilities.shape == (50, codebook_size)
    torch.testing.assert_close(probabilities.sum(1), torch.ones(50, dtype=torch.float64))


def test_the_digit_heads_likelihood_is_its_distributions_entry_on_and_off_the_grid():
    head = random_head(130)
    inputs, targets = torch.randn(40, 6), torch.arange(40) * 3 + 10  # ids 10..127
    targets[-3:] = torch.tensor([120, 125, 129])  # beyond the grid
    with torch.no_grad():
        expected = -head.log_probs(inputs).gather(1, targets[:, None])[:, 0]
        torch.testing.assert_close(head.nll(inputs, targets), expected)
        torch.testing.assert_close(head.loss(inputs, targets), expected.mean())


def test_ids_beyond_the_grid_share_the_off_grid_probability_alike():
    head = random_head(130)
    with torch.no_grad():
        log_p = head.log_probs(torch.randn(5, 6))
    gate = head(torch.zeros(0, 6))  # shape only
    assert gate.shape[1] == sum(LEVELS) + 1
    torch.testing.assert_close(log_p[:, 120:], log_p[:, 120:121].expand(5, 10))


def test_a_bad_output_head_is_rejected_naming_the_key():
    with pytest.raises(ConfigError, match=r"model.output_head: 'bits' is not one of"):
        SequenceEmbedConfig.from_dict({"model": {"output_head": "bits"}})


def test_without_levels_the_digit_head_falls_back_to_the_code_head_with_a_warning():
    config = SequenceEmbedConfig.from_dict({"codebook_size": 120,  # no usual levels for 120
                                            "model": {"output_head": "digits"}})
    with pytest.warns(UserWarning, match="digit output head switched off"):
        resolved = resolve_config(config, patterned_sequences(20))
    assert resolved.model.output_head == "codes" and resolved.codebook_levels is None


def test_the_digit_head_trains_a_model_with_a_few_dozen_outputs():
    model = train_encoder(patterned_sequences(40), tiny_config(
        model={"output_head": "digits"}, train={"epochs": 1})).model
    assert isinstance(model.head, DigitHead) and model.head.out_features == sum(LEVELS)


def test_a_checkpoint_saved_before_the_head_choice_loads_as_the_code_head():
    sequences = patterned_sequences(40)
    model = train_encoder(sequences, tiny_config(train={"epochs": 1})).model
    buffer = io.BytesIO()
    save_encoder(model, buffer)
    checkpoint = torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
    del checkpoint["config"]["model"]["output_head"]  # as written before the key existed
    old = io.BytesIO()
    torch.save(checkpoint, old)
    old.seek(0)
    loaded = load_encoder(old, device="cpu")
    assert isinstance(loaded.head, CodeHead) and loaded.config.model.output_head == "codes"
    np.testing.assert_allclose(embed(loaded, sequences), embed(model, sequences), atol=1e-6)
