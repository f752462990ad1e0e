"""FSQ codebooks: a code id is a mixed-radix number whose digits are grid coordinates.

``id = d0 + L0*d1 + L0*L1*d2 + ...`` with digit ``di`` in ``[0, Li)``; nearby digits mean
nearby motion, so the digits are a free, meaningful feature of every code.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

# The levels a tokenizer usually pairs with a codebook size. 2048 maps to the current
# streaming tokenizer's (8, 8, 6, 5) although that only spans 1920 ids; older cb2048
# exports used (8, 8, 8, 4) and declare it in their variant configuration.
USUAL_LEVELS: dict[int, tuple[int, ...]] = {
    256: (8, 6, 5),
    1000: (8, 5, 5, 5),
    1024: (8, 8, 4, 4),
    1920: (8, 8, 6, 5),
    2048: (8, 8, 6, 5),
    4096: (7, 5, 5, 5, 5),
    15360: (8, 8, 8, 6, 5),
    64000: (8, 8, 8, 5, 5, 5),
}

_CODEBOOK_IN_NAME = re.compile(r"(?:^|_)cb(\d+)(?:_|$)")


def codebook_size_from_variant(variant: str) -> int | None:
    """The ``cbNNNN`` part of a variant name, e.g. 2048 for ``..._cb2048_stride4``."""
    match = _CODEBOOK_IN_NAME.search(variant)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Codebook:
    """Valid ids are ``[0, size)``; ``levels`` (or None) turn an id into grid digits."""

    size: int
    levels: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"codebook size must be positive, got {self.size}")
        if self.levels is not None and any(level < 2 for level in self.levels):
            raise ValueError(f"FSQ levels must each be >= 2, got {self.levels}")

    @property
    def grid_size(self) -> int | None:
        """How many ids the levels can express (their product), or None without levels."""
        return math.prod(self.levels) if self.levels else None

    def digit_columns(self) -> np.ndarray:
        """Every id's output column per axis ``[size, axes]`` for a head whose outputs are the
        axes' digits laid end to end (ids beyond the grid have no digits: column 0)."""
        grid = min(self.grid_size, self.size)
        starts = np.cumsum((0,) + self.levels[:-1])
        columns = np.zeros((self.size, len(self.levels)), dtype=np.int64)
        columns[:grid] = self.digits(np.arange(grid)) + starts
        return columns

    def digits(self, ids: np.ndarray) -> np.ndarray:
        """Grid digits of ``ids``: shape ``ids.shape + (len(levels),)``, int64."""
        if self.levels is None:
            raise ValueError("this codebook has no FSQ levels, so ids have no digits")
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size and int(ids.max()) >= math.prod(self.levels):
            raise ValueError(
                f"id {int(ids.max())} does not fit FSQ levels {self.levels} "
                f"(at most {math.prod(self.levels) - 1})"
            )
        out = np.empty(ids.shape + (len(self.levels),), dtype=np.int64)
        rest = ids
        for axis, level in enumerate(self.levels):
            out[..., axis] = rest % level
            rest = rest // level
        return out

    def ids(self, digits: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`digits`: ids from an array whose last axis holds digits."""
        if self.levels is None:
            raise ValueError("this codebook has no FSQ levels")
        digits = np.asarray(digits, dtype=np.int64)
        radix = np.cumprod((1,) + self.levels[:-1])
        return digits @ radix

    def unit_digits(self, ids: np.ndarray) -> np.ndarray:
        """Digits scaled to [-1, 1] per axis: the FSQ latent up to an affine map."""
        digits = self.digits(ids).astype(np.float32)
        half = (np.asarray(self.levels, dtype=np.float32) - 1) / 2
        return (digits - half) / half


def resolve_codebook(
    *,
    meta_size: int | None = None,
    meta_levels: tuple[int, ...] | None = None,
    configured_size: int | None = None,
    configured_levels: tuple[int, ...] | None = None,
    variant: str | None = None,
    default_size: int = 2048,
) -> Codebook:
    """Apply INPUT_FORMAT.md's precedence for the id range and the FSQ levels.

    Size: file meta, product of meta levels, configured size, ``cbNNNN`` in the variant
    name, default. Levels: meta, configured, the usual levels for the size.
    """
    size = (
        meta_size
        or (math.prod(meta_levels) if meta_levels else None)
        or configured_size
        or (codebook_size_from_variant(variant) if variant else None)
        or default_size
    )
    levels = meta_levels or configured_levels or USUAL_LEVELS.get(size)
    return Codebook(size=int(size), levels=tuple(int(v) for v in levels) if levels else None)
