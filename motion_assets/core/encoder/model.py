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
            self.head = nn.Linear(self.embedding_dim, K)
        else:  # SimCLR-style projection; the pooled vector before it is the embedding
            self.head = nn.Sequential(
                nn.Linear(self.embedding_dim, self.embedding_dim),
                nn.ReLU(),
                nn.Linear(self.embedding_dim, m.d_model),
            )

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

    def pool(self, states: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Pool over valid steps only."""
        valid = torch.arange(states.shape[1], device=states.device)[None, :] < lengths[:, None]
        pooling = self.config.model.pooling
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

    def train(self, mode: bool = True):
        if mode:
            self._gate_tables = None  # the weights are about to change
        return super().train(mode)

    def load_state_dict(self, *args, **kwargs):
        self._gate_tables = None
        return super().load_state_dict(*args, **kwargs)

    def cached_input_gate_tables(self) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """:meth:`input_gate_tables`, computed once per set of weights in eval mode (scoring
        one sequence at a time would otherwise rebuild the K x 4H table on every call)."""
        if self.training:
            return self.input_gate_tables()
        if getattr(self, "_gate_tables", None) is None:
            self._gate_tables = self.input_gate_tables()
        return self._gate_tables

    @torch.no_grad()
    def input_gate_tables(self) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Per direction of a one-layer RNN: (input gates of every token ``[K + 2, G]``,
        ``W_hh^T`` ``[H, G]``, the hidden bias left inside the recurrence ``[G]``).

        The first layer's input projection depends on the token alone, so inference can look
        it up instead of computing it per step. LSTM tanh rows are doubled, so one sigmoid
        serves all four gates (tanh(x) = 2 sigmoid(2x) - 1; torch's CPU tanh is slow).
        """
        if self.rnn.num_layers != 1:
            raise ValueError("input gate tables need a one-layer RNN")
        x = self.embed_tokens(torch.arange(len(self.token_digits), device=self.token_digits.device))
        H, lstm = self.rnn.hidden_size, isinstance(self.rnn, nn.LSTM)
        tables = []
        for suffix in ("_l0", "_l0_reverse")[: 1 + self.rnn.bidirectional]:
            w_ih, w_hh, b_ih, b_hh = (
                getattr(self.rnn, name + suffix)
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
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
    def pool_equal_lengths(self, tokens: torch.Tensor, tables) -> torch.Tensor:
        """Pooled ``[B, H]`` of equal-length, unpadded ``tokens`` ``[B, L]`` in eval mode.

        Equal to ``forward(tokens, lengths)[1]`` within float rounding; ``tables`` come from
        ``input_gate_tables()``. A plain step loop: with the input projection looked up, it
        does half the work of ``nn.LSTM``/``nn.GRU`` per step.
        """
        steps = tokens.T.contiguous()
        pooled = [
            self._pool_direction(steps.flip(0) if direction else steps, *table)
            for direction, table in enumerate(tables)
        ]
        return pooled[0] if len(pooled) == 1 else torch.cat(pooled, dim=1)

    def _pool_direction(self, steps, gate_table, w_hh_t, inner) -> torch.Tensor:
        H, pooling = self.rnn.hidden_size, self.config.model.pooling
        lstm = isinstance(self.rnn, nn.LSTM)
        h = gate_table.new_zeros(steps.shape[1], H)
        c, total, top = torch.zeros_like(h), torch.zeros_like(h), None
        gates = gate_table.new_empty(steps.shape[1], gate_table.shape[1])
        for token_ids in steps:
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
            if pooling == "mean":
                total += h
            elif pooling == "max":
                top = h.clone() if top is None else torch.maximum(top, h, out=top)
        if pooling == "mean":
            return total / len(steps)
        return top if pooling == "max" else h  # last: the final state of this direction


def _tanh(x: torch.Tensor) -> torch.Tensor:
    return x.mul(2).sigmoid_().mul_(2).sub_(1)


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
