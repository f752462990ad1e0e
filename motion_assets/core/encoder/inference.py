"""Embed sequences with a trained encoder: batched by length, no compute on padding.

Every batch holds sequences of one length (``bucket_batches``), so no kernel sees padding.
Two kernels give the same pooled vectors (within float rounding, see the tests); which one
runs depends on the batch's shape, measured with ``benchmarks/encoder_benchmark.py
--kernels`` (one torch thread, this project's 2-core development machine, see BENCHMARKS.md):

- ``model(tokens, lengths)``: nn.LSTM/GRU's own C++ step loop. Its fixed cost per step is
  small (about 10 us), so it wins for a single sequence and short batches: 182 codes at
  d_model 128 in ~3 ms CPU against ~15 ms for the table kernel.
- the token-table kernel (:func:`pool_equal_lengths`): a one-layer RNN's input projection
  depends on the token alone, so it is looked up from a ``[K + 2, G]`` table instead of
  computed, halving the work per step; its Python step loop costs ~60 us per step, so it
  wins once a batch's hidden product per step (rows x H^2) is large: 0.6-0.8x the time of
  nn.LSTM at 128 rows of d_model 128.

They cross at rows x H^2 of about 2^19 (measured: 128-256 rows at H 64, 24-32 at H 128,
8-16 at H 256, the same for 16 to 400 codes and for GRU); :data:`TABLE_KERNEL_WORK`.
The same choice holds when every step's state is kept for the next-code surprisal
(:func:`encoded_batches` ``with_states``): 256 sequences of 182 codes with the surprisal took
325 sequences per CPU second through the table kernel against 259 through nn.LSTM
(alternating, load ~8; a one-off measurement, the output layer is most of the cost).
"""

from __future__ import annotations

import contextlib
import contextvars
import weakref
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from motion_assets.core.encoder.length_batches import bucket_batches, truncate
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.threads import use_torch_threads
from motion_assets.core.encoder.training import autocast

TABLE_KERNEL_WORK = 2**19  # rows x hidden^2 from which the token-table kernel is faster

# model -> (weight versions, {builder: table}): rebuilt whenever a weight changes in place
_TABLE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# (model, sequences, their embeddings) that embed returns as they are (known_embeddings)
_KNOWN: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("known_embeddings",
                                                                     default=None)


@torch.inference_mode()
def embed(
    model: SequenceEncoder,
    sequences: Sequence[np.ndarray],
    *,
    batch_size: int | None = None,
) -> np.ndarray:
    """Pooled sequence vectors ``[N, H]`` float32, in input order; batched by length.

    Sequences are cut to the model's ``max_len`` as in training; vectors are L2-normalized
    when the config's ``export.l2_normalize`` says so.
    """
    known = _KNOWN.get()
    if known is not None and known[0] is model and _same_sequences(known[1], sequences):
        return known[2].copy()
    out = np.empty((len(sequences), model.embedding_dim), dtype=np.float32)
    for rows, pooled, _ in encoded_batches(model, sequences, batch_size=batch_size):
        out[rows] = pooled
    return out


@contextlib.contextmanager
def known_embeddings(model: SequenceEncoder, sequences: Sequence[np.ndarray],
                     embeddings: np.ndarray):
    """Inside the block, :func:`embed` of ``model`` on these same sequences (equal codes)
    returns ``embeddings`` without a forward: a featurizer that wraps the encoder (a
    multi-view, a label-guided projection) reuses the forward scoring ran already for the
    unknown detector. Scoped to this thread or task (a context variable)."""
    token = _KNOWN.set((model, sequences, embeddings))
    try:
        yield
    finally:
        _KNOWN.reset(token)


def _same_sequences(known: Sequence[np.ndarray], asked: Sequence[np.ndarray]) -> bool:
    return len(known) == len(asked) and all(
        len(a) == len(b) and np.array_equal(a, b) for a, b in zip(known, asked))


def encoded_batches(model: SequenceEncoder, sequences: Sequence[np.ndarray], *,
                    batch_size: int | None = None, with_states: bool = False):
    """Per equal-length batch: (row indices, their :func:`embed` vectors ``[B, H]`` numpy,
    and with ``with_states`` (tokens ``[B, L]``, RNN states ``[B, L, H]``), else None).

    What :func:`embed` and a caller that also reads every step's state (the next-code
    likelihood, core/encoder/surprisal.py) share; call it under ``torch.inference_mode``.
    """
    config = model.config
    if not isinstance(config.sequence.max_len, int):
        raise TypeError("the model's config has no resolved max_len; train or load it first")
    sequences, _ = truncate(sequences, config.sequence.max_len)
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    if not len(sequences):
        return
    if lengths.min() < 1:
        raise ValueError("cannot embed an empty sequence")
    for codes in sequences:
        if codes.min() < 0 or codes.max() >= config.codebook_size:
            raise ValueError(f"code ids must lie in [0, {config.codebook_size})")
    use_torch_threads(config.train.num_threads)
    if model.training:  # eval() walks every module: ~0.1 ms of a single sequence's call
        model.eval()
    device = model.token_digits.device
    batch_size = batch_size or config.export.batch_size
    # one length in one batch (a single sequence): nothing to bucket (~15 us)
    one_batch = len(sequences) <= batch_size and lengths.min() == lengths.max()
    for batch in ([np.arange(len(sequences))] if one_batch
                  else bucket_batches(lengths, batch_size)):
        # equal lengths: no padding, so the codes + 1 stacked are the tokens
        tokens = torch.from_numpy(np.stack([sequences[i] for i in batch]) + 1).to(device)
        states = None
        if uses_table_kernel(model, len(batch)) and not (with_states and model.rnn.bidirectional):
            steps = (torch.empty(tokens.shape[1], len(batch), model.rnn.hidden_size)
                     if with_states else None)
            pooled = pool_equal_lengths(model, tokens, _cached(model, input_gate_tables), steps)
            states = steps.transpose(0, 1) if with_states else None
        else:
            # the model's own RNN on looked-up embeddings (their sum over the id and the FSQ
            # digits is ~0.5 ms of a single sequence's ~3 ms if computed per call)
            with _precision(model):
                states, _ = model.rnn(_cached(model, token_embeddings)[tokens])
                pooled = model.pool(states, None).float()  # every row is full length
        if config.export.l2_normalize:
            pooled = F.normalize(pooled, dim=1)
        yield batch, pooled.float().cpu().numpy(), (tokens, states) if with_states else None


def _precision(model: SequenceEncoder):
    """bfloat16 autocast where the config asks for it; in float32 nothing to enter (building
    a disabled torch.autocast is ~0.05 ms of a single sequence's call)."""
    return autocast(model) if model.config.train.precision != "float32" else contextlib.nullcontext()


def uses_table_kernel(model: SequenceEncoder, rows: int) -> bool:
    """Whether an equal-length batch of ``rows`` runs the token-table kernel: on the CPU, in
    float32, for a one-layer RNN, once the batch is large enough (module doc)."""
    return (
        model.token_digits.device.type == "cpu"
        and model.config.train.precision == "float32"
        and model.rnn.num_layers == 1
        and rows * model.rnn.hidden_size**2 >= TABLE_KERNEL_WORK
    )


def _cached(model: SequenceEncoder, build):
    """``build(model)``, computed once per set of weights (scoring one batch after another
    would otherwise rebuild a ``K x G`` table every call). Any in-place change of a weight
    (an optimizer step, ``load_state_dict``) bumps its version and so the key."""
    key = tuple((p.data_ptr(), p._version) for p in _table_weights(model))
    cached = _TABLE_CACHE.get(model)
    if cached is None or cached[0] != key:
        cached = (key, {})
        _TABLE_CACHE[model] = cached
    if build not in cached[1]:
        cached[1][build] = build(model)
    return cached[1][build]


def _table_weights(model: SequenceEncoder) -> list[torch.Tensor]:
    """The weights the tables are built from, read through the modules' attributes (so a
    replaced weight or module is seen): walking ``model.parameters()`` instead was ~0.2 ms
    of a single sequence's call (torch's recursive module walk)."""
    return [model.id_embedding.weight, *(table.weight for table in model.digit_embeddings),
            *(weight for layer in model.rnn.all_weights for weight in layer)]


@torch.no_grad()
def token_embeddings(model: SequenceEncoder) -> torch.Tensor:
    """The input embedding of every token ``[K + 2, d_model]``, as in eval mode."""
    was_training = model.training
    model.eval()  # no dropout in a looked-up table
    table = model.embed_tokens(torch.arange(len(model.token_digits), device=model.token_digits.device))
    model.train(was_training)
    return table


@torch.no_grad()
def input_gate_tables(model: SequenceEncoder) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Per direction of a one-layer RNN: (input gates of every token ``[K + 2, G]``,
    ``W_hh^T`` ``[H, G]``, the hidden bias left inside the recurrence ``[G]``).

    LSTM tanh rows are doubled, so one sigmoid serves all four gates
    (tanh(x) = 2 sigmoid(2x) - 1; torch's CPU tanh is slow).
    """
    rnn = model.rnn
    if rnn.num_layers != 1:
        raise ValueError("input gate tables need a one-layer RNN")
    x = token_embeddings(model)
    H, lstm = rnn.hidden_size, isinstance(rnn, nn.LSTM)
    tables = []
    for suffix in ("_l0", "_l0_reverse")[: 1 + rnn.bidirectional]:
        w_ih, w_hh, b_ih, b_hh = (
            getattr(rnn, name + suffix) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        gates, w_hh_t, inner = torch.addmm(b_ih, x, w_ih.T), w_hh.T.clone(), b_hh.clone()
        if lstm:  # the hidden bias simply adds; double the g rows (tanh via sigmoid)
            gates += b_hh
            gates[:, 2 * H : 3 * H] *= 2
            w_hh_t[:, 2 * H : 3 * H] *= 2
            inner.zero_()
        else:  # GRU: r and z biases add; b_hn stays inside r * (W_hn h + b_hn)
            gates[:, : 2 * H] += b_hh[: 2 * H]
            inner[: 2 * H] = 0
        tables.append((gates.contiguous(), w_hh_t.contiguous(), inner))
    return tables


@torch.no_grad()
def pool_equal_lengths(model: SequenceEncoder, tokens: torch.Tensor, tables,
                       states: torch.Tensor | None = None) -> torch.Tensor:
    """Pooled ``[B, H]`` of equal-length, unpadded ``tokens`` ``[B, L]``, as in eval mode.

    Equal to ``model(tokens, lengths)[1]`` within float rounding; ``tables`` come from
    :func:`input_gate_tables`. ``states`` (a one-direction RNN): ``[L, B, H]`` filled with
    every step's hidden state, as ``model(tokens, lengths)[0]`` has them (steps first).
    """
    if states is not None and len(tables) > 1:
        raise ValueError("the table kernel keeps the states of a one-direction RNN only")
    steps = tokens.T.contiguous()
    lstm, pooling = isinstance(model.rnn, nn.LSTM), model.config.model.pooling
    pooled = [
        _pool_direction(steps.flip(0) if direction else steps, *table, lstm=lstm,
                        pooling=pooling, states=states)
        for direction, table in enumerate(tables)
    ]
    return pooled[0] if len(pooled) == 1 else torch.cat(pooled, dim=1)


def _pool_direction(steps, gate_table, w_hh_t, inner, *, lstm: bool, pooling: str,
                    states: torch.Tensor | None = None) -> torch.Tensor:
    H = w_hh_t.shape[0]
    h = gate_table.new_zeros(steps.shape[1], H)
    c, total, top = torch.zeros_like(h), torch.zeros_like(h), None
    gates = gate_table.new_empty(steps.shape[1], gate_table.shape[1])
    for step, token_ids in enumerate(steps):
        torch.index_select(gate_table, 0, token_ids, out=gates)
        if lstm:
            gates.addmm_(h, w_hh_t).sigmoid_()
            i, f, g, o = gates.chunk(4, 1)
            c.mul_(f).addcmul_(i, g.mul_(2).sub_(1))
            h = _tanh(c).mul_(o)
        else:
            hidden = torch.addmm(inner, h, w_hh_t)
            r, z = gates[:, : 2 * H].add_(hidden[:, : 2 * H]).sigmoid_().chunk(2, 1)
            n = _tanh(gates[:, 2 * H :].addcmul_(r, hidden[:, 2 * H :]))
            h = torch.addcmul(n, z, h - n)
        if states is not None:
            states[step] = h
        if pooling == "mean":
            total += h
        elif pooling == "max":
            top = h.clone() if top is None else torch.maximum(top, h, out=top)
    if pooling == "mean":
        return total / len(steps)
    return top if pooling == "max" else h  # last: the final state of this direction


def _tanh(x: torch.Tensor) -> torch.Tensor:
    return x.mul(2).sigmoid_().mul_(2).sub_(1)
