"""How much of the codebook a tokenizer really uses (FSQ codebooks collapse in practice)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from motion_assets.core.sequences.fsq import Codebook


@dataclass(frozen=True)
class CodebookUsage:
    codebook_size: int
    counts: np.ndarray  # (K,) occurrences of each id
    lengths: np.ndarray  # (n_sequences,) codes per sequence

    @property
    def codes_used(self) -> int:
        return int((self.counts > 0).sum())

    @property
    def usage_share(self) -> float:
        return self.codes_used / self.codebook_size

    @property
    def dead_codes(self) -> int:
        return self.codebook_size - self.codes_used

    @property
    def entropy_bits(self) -> float:
        total = self.counts.sum()
        if total == 0:
            return 0.0
        p = self.counts[self.counts > 0] / total
        return float(-(p * np.log2(p)).sum())

    @property
    def perplexity(self) -> float:
        """Effective number of equally used codes: 2 ** entropy."""
        return float(2.0**self.entropy_bits)

    def top_codes(self, n: int = 20) -> pd.DataFrame:
        order = np.argsort(-self.counts, kind="stable")[:n]
        order = order[self.counts[order] > 0]
        total = max(int(self.counts.sum()), 1)
        return pd.DataFrame(
            {"code": order, "count": self.counts[order], "share": self.counts[order] / total}
        )

    def length_histogram(self) -> pd.Series:
        values, counts = np.unique(self.lengths, return_counts=True)
        return pd.Series(counts, index=values, name="sequences")


def measure_codebook_usage(codes: list[np.ndarray], codebook_size: int) -> CodebookUsage:
    """Count id occurrences over all sequences; ``codes`` are flat int arrays in [0, K)."""
    flat = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    counts = np.bincount(flat.astype(np.int64), minlength=codebook_size)[:codebook_size]
    lengths = np.fromiter((c.size for c in codes), dtype=np.int64, count=len(codes))
    return CodebookUsage(codebook_size=codebook_size, counts=counts, lengths=lengths)


def code_frequency_table(usage: CodebookUsage, codebook: Codebook) -> pd.DataFrame:
    """One row per id: count, share and its FSQ digits (null for ids the grid cannot hold)."""
    ids = np.arange(usage.codebook_size)
    table = pd.DataFrame(
        {"code": ids, "count": usage.counts, "share": usage.counts / max(usage.counts.sum(), 1)}
    )
    if codebook.levels:
        on_grid = ids < codebook.grid_size
        digits = codebook.digits(ids[on_grid])
        for axis in range(digits.shape[1]):
            column = pd.array([pd.NA] * len(ids), dtype="Int64")
            column[on_grid] = digits[:, axis]
            table[f"digit_{axis}"] = column
    return table


def digit_level_usage(usage: CodebookUsage, codebook: Codebook) -> list[float] | None:
    """Per FSQ axis, the share of its levels that any used id touches."""
    if not codebook.levels or not codebook.grid_size:
        return None
    used = np.flatnonzero(usage.counts)
    used = used[used < codebook.grid_size]
    if used.size == 0:
        return [0.0] * len(codebook.levels)
    digits = codebook.digits(used)
    return [len(np.unique(digits[:, axis])) / level for axis, level in enumerate(codebook.levels)]
