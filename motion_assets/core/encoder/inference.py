"""Embed sequences with a trained encoder: batched by length, no compute on padding."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from motion_assets.core.encoder.length_batches import bucket_batches, to_tokens, truncate
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.training import autocast


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
    config = model.config
    if not isinstance(config.sequence.max_len, int):
        raise TypeError("the model's config has no resolved max_len; train or load it first")
    sequences, _ = truncate(sequences, config.sequence.max_len)
    for codes in sequences:
        if len(codes) and (codes.min() < 0 or codes.max() >= config.codebook_size):
            raise ValueError(f"code ids must lie in [0, {config.codebook_size})")
    model.eval()
    device = next(model.parameters()).device
    lengths = np.array([len(s) for s in sequences])
    if (lengths < 1).any():
        raise ValueError("cannot embed an empty sequence")
    out = np.empty((len(sequences), model.embedding_dim), dtype=np.float32)
    # buckets have no padding; on the CPU in float32 a one-layer RNN runs from a token table
    tables = None
    if device.type == "cpu" and config.train.precision == "float32" and model.rnn.num_layers == 1:
        tables = model.cached_input_gate_tables()
    for batch in bucket_batches(lengths, batch_size or config.export.batch_size):
        tokens, batch_lengths = to_tokens([sequences[i] for i in batch], device)
        if tables is not None:
            pooled = model.pool_equal_lengths(tokens, tables)
        else:
            with autocast(model):
                pooled = model(tokens, batch_lengths)[1].float()
        if config.export.l2_normalize:
            pooled = F.normalize(pooled, dim=1)
        out[batch] = pooled.float().cpu().numpy()
    return out
