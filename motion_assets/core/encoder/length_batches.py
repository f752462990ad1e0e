"""Batches of sequences: equal-length buckets (no padding at all) or random packed batches.

On CPU, bucketing sequences of one length avoids padding without the cost of
``pack_padded_sequence`` (STACK_NOTES.md); the code ``W * d`` lengths take few values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def truncate(sequences: Sequence[np.ndarray], max_len: int) -> tuple[list[np.ndarray], int]:
    """Keep the first ``max_len`` codes of each sequence; also return how many were cut."""
    cut = sum(len(s) > max_len for s in sequences)
    return [np.asarray(s[:max_len], dtype=np.int64) for s in sequences], int(cut)


def auto_max_len(lengths: Sequence[int], quantile: float) -> int:
    """The ``quantile`` of the lengths (at least 2), rounded up."""
    return max(2, int(np.ceil(np.quantile(np.asarray(lengths), quantile))))


def bucket_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator | None = None
) -> list[np.ndarray]:
    """Index batches in which every sequence has the same length.

    With ``rng`` the members of each length and the order of batches are shuffled
    (training); without it the order is deterministic (inference).
    """
    lengths = np.asarray(lengths)
    batches = []
    for length in np.unique(lengths):
        members = np.flatnonzero(lengths == length)
        if rng is not None:
            members = rng.permutation(members)
        batches += [members[i : i + batch_size] for i in range(0, len(members), batch_size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def random_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Index batches of mixed lengths (the model packs them)."""
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def to_tokens(sequences: Sequence[np.ndarray], device: torch.device | str = "cpu"):
    """Code arrays -> (tokens ``[B, L]`` with code + 1 and 0 as padding, lengths ``[B]``)."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    tokens = np.zeros((len(sequences), int(lengths.max())), dtype=np.int64)
    for row, codes in enumerate(sequences):
        tokens[row, : len(codes)] = codes + 1
    return torch.from_numpy(tokens).to(device), torch.from_numpy(lengths).to(device)
