"""The sequence encoder: code tokens -> embeddings -> LSTM/GRU -> pooled sequence vector.

Codes are shifted by one so token 0 is padding; token ``K + 1`` is the mask token. A code's
embedding is optionally the sum of an id embedding and one embedding per FSQ digit, so
neighbouring codes (1161, 1162) start out related and rare ids borrow from common ones.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.heads import next_code_head
from motion_assets.core.sequences.fsq import Codebook


class SequenceEncoder(nn.Module):
    """tokens ``[B, L]`` (0 = padding) and lengths ``[B]`` -> states and a pooled vector."""

    def __init__(self, config: SequenceEmbedConfig) -> None:
        super().__init__()
        self.config = config
        m, K = config.model, config.codebook_size
        self.mask_token = K + 1
        self.id_embedding = nn.Embedding(K + 2, m.d_model, padding_idx=0)
        levels = config.codebook_levels if m.digit_embedding else None
        self.digit_embeddings = nn.ModuleList(
            # per axis: 0 = padding, 1..L = digit, L + 1 = mask
            nn.Embedding(level + 2, m.d_model, padding_idx=0)
            for level in (levels or ())
        )
        self.register_buffer("token_digits", _token_digits(K, levels), persistent=False)
        rnn = nn.LSTM if m.rnn_type == "lstm" else nn.GRU
        self.rnn = rnn(
            m.d_model,
            m.d_model,
            num_layers=m.num_layers,
            batch_first=True,
            dropout=m.dropout if m.num_layers > 1 else 0.0,
            bidirectional=m.bidirectional,
        )
        self.dropout = nn.Dropout(m.dropout)
        self.embedding_dim = m.d_model * (2 if m.bidirectional else 1)
        task = config.objective.task
        if task in ("ntp", "mlm"):  # predicts a code id in [0, K)
            self.head = next_code_head(self.embedding_dim, K, m.output_head, config.codebook_levels)
        else:  # SimCLR-style projection; the pooled vector before it is the embedding
            self.head = _projection(self.embedding_dim, m.d_model)
        # ntp with a contrastive term: its own projection, the next-code head stays
        self.projection = (_projection(self.embedding_dim, m.d_model)
                           if task == "ntp" and config.objective.contrastive_weight > 0 else None)

    def embed_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.id_embedding(tokens)
        if len(self.digit_embeddings):
            digits = self.token_digits[tokens]
            for axis, table in enumerate(self.digit_embeddings):
                x = x + table(digits[..., axis])
        return self.dropout(x)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor):
        """Returns (states ``[B, L, H]``, zero beyond each length; pooled ``[B, H]``).

        Equal lengths run the RNN directly; mixed lengths are packed, so padding never
        enters the computation and a sequence's result does not depend on its batch.
        """
        x = self.embed_tokens(tokens)
        width = tokens.shape[1]
        if bool((lengths == width).all()):
            states, _ = self.rnn(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            states, _ = self.rnn(packed)
            states, _ = pad_packed_sequence(states, batch_first=True, total_length=width)
        states = self.dropout(states)
        return states, self.pool(states, lengths)

    def pool(self, states: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        """Pool over valid steps only; ``lengths`` None: every row is valid to its end (an
        equal-length batch, as inference runs them: no mask to build, ~0.2 ms of a single
        sequence's call)."""
        pooling = self.config.model.pooling
        if lengths is None:
            return self._pool_whole_rows(states, pooling)
        valid = torch.arange(states.shape[1], device=states.device)[None, :] < lengths[:, None]
        if pooling == "mean":
            summed = (states * valid[..., None]).sum(1)
            return summed / lengths[:, None].to(states.dtype)
        if pooling == "max":
            return states.masked_fill(~valid[..., None], -math.inf).max(1).values
        last = states[torch.arange(len(states), device=states.device), lengths - 1]
        if self.config.model.bidirectional:  # the backward direction ends at step 0
            half = self.config.model.d_model
            last = torch.cat([last[:, :half], states[:, 0, half:]], dim=1)
        return last

    def _pool_whole_rows(self, states: torch.Tensor, pooling: str) -> torch.Tensor:
        if pooling == "mean":
            return states.mean(1)
        if pooling == "max":
            return states.amax(1)
        if self.config.model.bidirectional:  # the backward direction ends at step 0
            half = self.config.model.d_model
            return torch.cat([states[:, -1, :half], states[:, 0, half:]], dim=1)
        return states[:, -1]


def _projection(width: int, out: int) -> nn.Module:
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, out))


def _token_digits(codebook_size: int, levels: list[int] | None) -> torch.Tensor:
    """Digit index (0 pad, 1..L digit, L+1 mask) of every token, shape ``[K + 2, axes]``."""
    if not levels:
        return torch.zeros(codebook_size + 2, 0, dtype=torch.long)
    codebook = Codebook(size=codebook_size, levels=tuple(levels))
    ids = np.arange(codebook_size)
    fits = ids < codebook.grid_size  # ids beyond the grid (unused) get the mask digit
    digits = np.tile(np.asarray(levels) + 1, (codebook_size + 2, 1))
    digits[0] = 0
    digits[1 : codebook_size + 1][fits] = codebook.digits(ids[fits]) + 1
    return torch.as_tensor(digits, dtype=torch.long)
