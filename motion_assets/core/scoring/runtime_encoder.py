"""The trained encoder's forward pass in numpy: what the CLI's scoring runtime embeds with.

Exported from the bundle's encoder (runtime_export.py) as the tables of
core/encoder/inference.py ``input_gate_tables``: the input projection of every token is a
row lookup, and the LSTM's g rows are doubled so one sigmoid serves all four gates
(tanh(x) = 2 sigmoid(2x) - 1). A step is a handful of numpy calls on ``[rows, 4H]``; one
182-code sequence at d_model 128 takes a few ms, far below the ~3 s that importing torch
costs a CLI process. Results equal the model's within float32 rounding (the parity tests).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from motion_assets.core.sequences.fsq import Codebook

POOLINGS = ("mean", "max", "last")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0
    return np.reciprocal(x, out=x)


def _tanh_via_sigmoid(x: np.ndarray) -> np.ndarray:
    out = _sigmoid(x * 2.0)
    out *= 2.0
    out -= 1.0
    return out


class NumpyEncoder:
    """``embed(sequences)`` -> pooled ``[N, H]`` float32 and, for a unidirectional next-code
    model, the mean next-code surprisal ``[N]`` (NaN for one code), in input order.

    ``directions``: per direction (gate table ``[K + 2, G]``, ``W_hh^T`` ``[H, G]``, the bias
    left inside the recurrence ``[G]``); ``head``: (weight ``[outputs, H]``, bias
    ``[outputs]``) of the next-code head, or None; ``head_levels``: the FSQ levels of a digit
    head (core/encoder/heads.py ``DigitHead``), None for the code head.
    """

    def __init__(self, directions, *, rnn: str, pooling: str, l2_normalize: bool, max_len: int,
                 codebook_size: int, head=None, head_levels=None) -> None:
        if rnn not in ("lstm", "gru") or pooling not in POOLINGS:
            raise ValueError(f"no numpy encoder for rnn {rnn!r} with pooling {pooling!r}")
        self.directions = [tuple(np.asarray(part, dtype=np.float32) for part in d) for d in directions]
        self.lstm = rnn == "lstm"
        self.pooling = pooling
        self.l2_normalize = l2_normalize
        self.max_len = int(max_len)
        self.codebook_size = int(codebook_size)
        self.head = None if head is None else tuple(np.asarray(p, dtype=np.float32) for p in head)
        self.digits = None if head_levels is None else _DigitLikelihood(head_levels, codebook_size)

    @property
    def has_surprisal(self) -> bool:
        return self.head is not None

    def embed(self, sequences: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        sequences = [np.asarray(s[: self.max_len], dtype=np.int64) for s in sequences]
        for codes in sequences:
            if not len(codes):
                raise ValueError("cannot embed an empty sequence")
            if codes.min() < 0 or codes.max() >= self.codebook_size:
                raise ValueError(f"code ids must lie in [0, {self.codebook_size})")
        width = self.directions[0][1].shape[0] * len(self.directions)
        pooled = np.empty((len(sequences), width), dtype=np.float32)
        surprisal = np.full(len(sequences), np.nan)
        lengths = np.array([len(s) for s in sequences])
        with np.errstate(over="ignore"):  # exp(-x) of a saturated gate: inf, its sigmoid 0
            for length in np.unique(lengths):  # equal lengths run as one batch: no padding
                rows = np.flatnonzero(lengths == length)
                tokens = np.stack([sequences[i] for i in rows]) + 1  # token 0 is padding
                pooled[rows], surprisal[rows] = self._run(tokens)
        if self.l2_normalize:
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            pooled /= np.maximum(norms, np.float32(1e-12))
        return pooled, surprisal

    def _run(self, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = self.has_surprisal
        pooled = []
        for direction, table in enumerate(self.directions):
            steps = tokens[:, ::-1] if direction else tokens
            pooled_part, states = self._direction(steps, *table, keep_states=keep and not direction)
            pooled.append(pooled_part)
            if keep and not direction:
                surprisal = self._surprisal(states, tokens)
        if not keep:
            surprisal = np.full(len(tokens), np.nan)
        return np.concatenate(pooled, axis=1), surprisal

    def _direction(self, steps, gate_table, w_hh_t, inner, *, keep_states: bool):
        rows, H = steps.shape[0], w_hh_t.shape[0]
        h = np.zeros((rows, H), dtype=np.float32)
        c = np.zeros_like(h)
        total, top = np.zeros_like(h), None
        states = np.empty((steps.shape[1], rows, H), dtype=np.float32) if keep_states else None
        for t in range(steps.shape[1]):
            gates = gate_table[steps[:, t]]
            if self.lstm:
                gates += h @ w_hh_t
                _sigmoid(gates)
                i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
                c *= f
                c += i * (2.0 * g - 1.0)
                h = _tanh_via_sigmoid(c)
                h *= o
            else:
                hidden = h @ w_hh_t
                hidden += inner
                rz = _sigmoid(gates[:, : 2 * H] + hidden[:, : 2 * H])
                n = gates[:, 2 * H :] + rz[:, :H] * hidden[:, 2 * H :]
                n = _tanh_via_sigmoid(n)
                h = n + rz[:, H:] * (h - n)
            if states is not None:
                states[t] = h
            if self.pooling == "mean":
                total += h
            elif self.pooling == "max":
                top = h.copy() if top is None else np.maximum(top, h, out=top)
        pooled = {"mean": lambda: total / np.float32(steps.shape[1]), "max": lambda: top,
                  "last": lambda: h}[self.pooling]()
        return pooled, states

    def _surprisal(self, states: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Mean -log p(code t+1 | codes to t) per row (core/encoder/surprisal.py)."""
        if tokens.shape[1] < 2:
            return np.full(len(tokens), np.nan)
        weight, bias = self.head
        logits = states[:-1] @ weight.T  # [L - 1, rows, outputs]
        logits += bias
        following = (tokens[:, 1:] - 1).T  # the next code of every step: [L - 1, rows]
        if self.digits is not None:
            return (-self.digits.log_likelihood(logits, following).mean(axis=0)).astype(np.float64)
        picked = np.take_along_axis(logits, following[..., None], axis=2)[..., 0]
        return (-(picked - _log_sum_exp(logits)).mean(axis=0)).astype(np.float64)


def _log_sum_exp(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=-1, keepdims=True)
    return np.log(np.exp(logits - top).sum(axis=-1)) + top[..., 0]


class _DigitLikelihood:
    """``log p(code)`` of the digit head: per FSQ axis a log-softmax over that axis's logits,
    summed over the axes; ids beyond the grid share p(off grid) = sigmoid(last logit)."""

    def __init__(self, levels, codebook_size: int) -> None:
        levels = [int(v) for v in levels]
        grid, starts = int(np.prod(levels)), np.cumsum([0] + levels[:-1])
        self.axes = [slice(int(s), int(s) + level) for s, level in zip(starts, levels)]
        # [K, axes]: each id's logit column per axis (ids off the grid: unused)
        self.columns = Codebook(codebook_size, tuple(levels)).digit_columns()
        self.off_grid = np.arange(codebook_size) >= grid if codebook_size > grid else None
        self.log_off_grid_ids = np.log(codebook_size - grid) if codebook_size > grid else 0.0

    def log_likelihood(self, logits: np.ndarray, codes: np.ndarray) -> np.ndarray:
        picked = np.take_along_axis(logits, self.columns[codes], axis=-1).sum(axis=-1)
        log_p = picked - sum(_log_sum_exp(logits[..., axis]) for axis in self.axes)
        if self.off_grid is None:
            return log_p
        gate = logits[..., -1]  # log sigmoid(x) = -log(1 + exp(-x))
        return np.where(self.off_grid[codes], -np.logaddexp(0.0, -gate) - self.log_off_grid_ids,
                        log_p - np.logaddexp(0.0, gate))
