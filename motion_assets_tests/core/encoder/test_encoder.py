"""The sequence encoder: config rules, padding invariance, checkpoints, determinism."""

import dataclasses
import io

import numpy as np
import pytest
import torch

from motion_assets.core.config import ConfigNotes
from motion_assets.core.encoder import inference
from motion_assets.core.encoder.checkpoint import load_encoder, save_encoder
from motion_assets.core.encoder.config import ModelSection, SequenceEmbedConfig
from motion_assets.core.encoder.heads import CodeHead
from motion_assets.core.encoder.inference import embed, input_gate_tables, pool_equal_lengths
from motion_assets.core.encoder.length_batches import to_tokens
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.training import resolve_config, train_encoder


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def tiny_config(**sections):
    data = {
        "codebook_size": 120,
        "codebook_levels": [8, 5, 3],
        "sequence": {"max_len": "auto", "max_len_quantile": 1.0},
        "model": {"d_model": 16},
        "train": {"batch_size": 16, "epochs": 4, "lr": 1e-2, "patience": 10, "device": "cpu"},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return SequenceEmbedConfig.from_dict(data)


def patterned_sequences(n=160, seed=0):
    """Arithmetic code progressions (step 1 or 7): the next code is predictable."""
    rng = np.random.default_rng(seed)
    return [
        (int(rng.integers(0, 120)) + (1, 7)[i % 2] * np.arange(4 * int(rng.integers(2, 6)))) % 120
        for i in range(n)
    ]


def test_bidirectional_next_code_prediction_cannot_be_built():
    with pytest.raises(ValueError, match="bidirectional"):
        SequenceEmbedConfig(model=ModelSection(bidirectional=True))
    SequenceEmbedConfig.from_dict({"model": {"bidirectional": True}, "objective": {"task": "mlm"}})


def test_bidirectional_next_code_prediction_from_a_file_becomes_unidirectional_with_one_line():
    notes = ConfigNotes()
    config = SequenceEmbedConfig.from_dict(
        {"model": {"bidirectional": True}, "objective": {"task": "ntp"}}, notes=notes)
    assert not config.model.bidirectional and config.objective.task == "ntp"
    assert notes.replaced == [notes.replaced[0]] and notes.replaced[0].startswith(
        "model.bidirectional: true replaced by false: with objective.task ntp")


def test_unknown_config_keys_are_refused_by_name():
    with pytest.raises(ValueError, match=r"train\.batchsize"):
        SequenceEmbedConfig.from_dict({"train": {"batchsize": 8}})


def test_old_tool_keys_are_accepted():
    SequenceEmbedConfig.from_dict(
        {
            "seed": 1, "codebook_size": 2048,
            "sequence": {"max_len": 84, "pad_id": 0},
            "model": {"d_model": 64, "rnn_type": "gru", "num_layers": 2, "dropout": 0.1,
                      "bidirectional": False},
            "objective": {"task": "ntp"},
            "train": {"batch_size": 32, "epochs": 5, "lr": 1e-3, "weight_decay": 0.0,
                      "clip_grad_norm": 1.0, "val_split": 0.1, "patience": 2, "min_delta": 0.0},
            "export": {"l2_normalize": True},
        }
    )  # fmt: skip


@pytest.mark.parametrize("task,bidirectional", [("ntp", False), ("mlm", True)])
@pytest.mark.parametrize("pooling", ["mean", "max", "last"])
def test_padding_does_not_change_an_embedding(task, bidirectional, pooling):
    torch.manual_seed(0)
    config = tiny_config(
        objective={"task": task}, model={"bidirectional": bidirectional, "pooling": pooling}
    )
    model = SequenceEncoder(resolve_config(config, patterned_sequences())).eval()
    sequences = patterned_sequences(6)
    with torch.no_grad():
        alone = [model(*to_tokens([s]))[1][0] for s in sequences]
        padded = model(*to_tokens(sequences))[1]  # mixed lengths in one padded batch
    for row, vector in enumerate(alone):
        torch.testing.assert_close(padded[row], vector, atol=1e-5, rtol=1e-5)
    bucketed = embed(model, sequences, batch_size=2)
    model.config = dataclasses.replace(
        model.config, export=dataclasses.replace(model.config.export, l2_normalize=False))
    np.testing.assert_allclose(embed(model, sequences), torch.stack(alone).numpy(), atol=1e-5)
    assert np.allclose(np.linalg.norm(bucketed, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "rnn_type,task,bidirectional,pooling",
    [
        ("lstm", "ntp", False, "mean"),
        ("gru", "ntp", False, "mean"),
        ("lstm", "mlm", True, "max"),
        ("gru", "mlm", True, "last"),
        ("lstm", "ntp", False, "last"),
    ],
)
def test_the_token_table_recurrence_matches_the_plain_forward(
    rnn_type, task, bidirectional, pooling
):
    torch.manual_seed(0)
    config = tiny_config(
        objective={"task": task},
        model={"rnn_type": rnn_type, "bidirectional": bidirectional, "pooling": pooling},
    )
    model = SequenceEncoder(resolve_config(config, patterned_sequences())).eval()
    tokens, lengths = to_tokens([s[:12] for s in patterned_sequences(8) if len(s) >= 12])
    with torch.no_grad():
        plain = model(tokens, lengths)[1]
    fast = pool_equal_lengths(model, tokens, input_gate_tables(model))
    torch.testing.assert_close(fast, plain, atol=1e-5, rtol=1e-5)


def test_a_single_sequence_and_a_large_batch_get_the_same_vectors(monkeypatch):
    torch.manual_seed(0)
    model = SequenceEncoder(resolve_config(tiny_config(), patterned_sequences())).eval()
    sequences = [s for s in patterned_sequences(40) if len(s) == 12]
    assert not inference.uses_table_kernel(model, 1)
    one_by_one = np.concatenate([embed(model, [s]) for s in sequences])
    monkeypatch.setattr(inference, "TABLE_KERNEL_WORK", 1)  # every batch through the table
    assert inference.uses_table_kernel(model, len(sequences))
    np.testing.assert_allclose(embed(model, sequences), one_by_one, atol=1e-6)


def test_the_token_table_follows_weights_changed_in_place(monkeypatch):
    monkeypatch.setattr(inference, "TABLE_KERNEL_WORK", 1)
    resolved = resolve_config(tiny_config(), patterned_sequences())
    torch.manual_seed(0)
    model = SequenceEncoder(resolved).eval()
    torch.manual_seed(1)
    other = SequenceEncoder(resolved).eval()
    sequences = patterned_sequences(10)
    embed(model, sequences)  # builds and caches the table for the first weights
    model.load_state_dict(other.state_dict())
    np.testing.assert_allclose(embed(model, sequences), embed(other, sequences), atol=1e-6)


def test_the_fused_output_layer_gives_the_loss_and_gradients_of_cross_entropy():
    torch.manual_seed(0)
    head = CodeHead(16, 300)
    inputs = torch.randn(700, 16, requires_grad=True)  # several chunks and a ragged last one
    targets = torch.randint(0, 300, (700,))
    fused = head.loss(inputs, targets)
    fused_grads = torch.autograd.grad(fused, [inputs, head.weight, head.bias])
    plain = torch.nn.functional.cross_entropy(head(inputs), targets)
    plain_grads = torch.autograd.grad(plain, [inputs, head.weight, head.bias])
    torch.testing.assert_close(fused, plain)
    for a, b in zip(fused_grads, plain_grads):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_checkpoint_round_trips_without_pickled_code():
    result = train_encoder(patterned_sequences(), tiny_config(train={"epochs": 1}))
    buffer = io.BytesIO()
    save_encoder(result.model, buffer)
    buffer.seek(0)
    torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)  # plain tensors and dicts
    loaded = load_encoder(buffer, device="cpu")
    assert loaded.config == result.config
    sequences = patterned_sequences(20, seed=3)
    np.testing.assert_array_equal(embed(loaded, sequences), embed(result.model, sequences))


def test_training_is_deterministic_for_a_seed():
    config = tiny_config(train={"epochs": 2}, objective={"task": "contrastive"})
    first = train_encoder(patterned_sequences(), config)
    second = train_encoder(patterned_sequences(), config)
    assert [h["val_loss"] for h in first.history] == [h["val_loss"] for h in second.history]
    for a, b in zip(first.model.state_dict().values(), second.model.state_dict().values()):
        assert torch.equal(a, b)


@pytest.mark.parametrize("task", ["ntp", "mlm", "contrastive"])
def test_a_tiny_training_run_lowers_the_loss(task):
    result = train_encoder(patterned_sequences(), tiny_config(objective={"task": task}))
    losses = [h["val_loss"] for h in result.history]
    assert losses[-1] < losses[0]
    assert result.n_val == 16 and result.n_train == 144


def test_packed_batches_train_as_well_as_buckets():
    result = train_encoder(patterned_sequences(), tiny_config(train={"batching": "pack"}))
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]


def test_auto_max_len_truncates_and_reports():
    config = tiny_config(sequence={"max_len_quantile": 0.5}, train={"epochs": 1})
    result = train_encoder(patterned_sequences(), config)
    lengths = np.array([len(s) for s in patterned_sequences()])
    assert result.config.sequence.max_len == int(np.ceil(np.quantile(lengths, 0.5)))
    assert result.truncated == int((lengths > result.config.sequence.max_len).sum()) > 0


def test_ids_beyond_the_codebook_are_refused():
    with pytest.raises(ValueError, match="codebook_size"):
        train_encoder([np.array([1, 2, 500])], tiny_config())


def test_a_capped_epoch_trains_on_a_seeded_draw_of_that_size():
    sequences = patterned_sequences(160)
    config = tiny_config(train={"max_sequences": 50, "epochs": 2})
    first, again = train_encoder(sequences, config), train_encoder(sequences, config)
    assert (first.per_epoch, first.n_val, first.n_train) == (50, 5, 155)
    for name, weight in first.model.state_dict().items():
        torch.testing.assert_close(weight, again.model.state_dict()[name], msg=name)


def test_an_uncapped_epoch_trains_on_every_sequence():
    result = train_encoder(patterned_sequences(160), tiny_config(train={"epochs": 1}))
    assert (result.per_epoch, result.n_val, result.n_train) == (144, 16, 144)
