"""A fixed random stand-in for the motion tokenizer: latent frames in, FSQ code ids out.

Window ``w`` covers frames ``[w*stride, w*stride + T)`` and emits ``d`` codes. Code slot ``j``
describes the local motion (latent position and velocity) around frame ``w*stride + j*T//d``,
mixed with the whole window's mean (what self-attention does) and a slot embedding (what a
position embedding does). Four bounded values (tanh) are scaled to the FSQ levels and rounded
to digits; the digits make the id. Saturation plus a low-dimensional input leave most of the
grid unused, as real FSQ codebooks do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from motion_assets.core.sequences.fsq import Codebook


@dataclass(frozen=True, eq=False)
class Tokenizer:
    """Encoder weights plus the window geometry; :meth:`encode` turns frames into ids."""

    levels: tuple[int, ...]
    codes_per_window: int
    window_frames: int
    stride: int
    local_weights: np.ndarray  # (n_levels, 2m): position and velocity at the slot's frame
    context_weights: np.ndarray  # (n_levels, 2m): window means of position and velocity
    slot_embedding: np.ndarray  # (d, n_levels)
    bias: np.ndarray  # (n_levels,)
    context_mix: float
    gain: float
    velocity_weight: float  # latent moves ~0.1 per frame: ~8 puts velocity on the pose scale

    @classmethod
    def random(
        cls,
        rng: np.random.Generator,
        *,
        latent_dim: int,
        levels: tuple[int, ...],
        codes_per_window: int,
        window_frames: int,
        stride: int,
        context_mix: float,
        slot_scale: float,
        gain: float,
        rank: int,
        residual: float,
        bias_scale: float,
        velocity_weight: float,
    ) -> Tokenizer:
        n = len(levels)
        width = 2 * latent_dim

        # A trained encoder squeezes motion through a few directions of the FSQ box: maps
        # that share one rank-limited output basis (plus a small full-rank residual) are what
        # leave most FSQ ids unused. Slot embeddings mostly live in that basis too.
        basis = rng.normal(0, 1, (n, rank)) / np.sqrt(rank)

        def through_basis(inputs: int, scale: float) -> np.ndarray:
            squeezed = basis @ rng.normal(0, scale / np.sqrt(inputs), (rank, inputs))
            return squeezed + residual * rng.normal(0, scale / np.sqrt(inputs), (n, inputs))

        return cls(
            levels=tuple(levels),
            codes_per_window=codes_per_window,
            window_frames=window_frames,
            stride=stride,
            local_weights=through_basis(width, 1.0),
            context_weights=through_basis(width, 1.0),
            slot_embedding=through_basis(codes_per_window, slot_scale).T
            * np.sqrt(codes_per_window),
            bias=rng.normal(0, bias_scale, n),
            context_mix=context_mix,
            gain=gain,
            velocity_weight=velocity_weight,
        )

    @property
    def codebook(self) -> Codebook:
        return Codebook(size=int(np.prod(self.levels)), levels=self.levels)

    def frames_for(self, n_windows: int) -> int:
        """Frames a video needs so that it has ``n_windows`` full windows."""
        return (n_windows - 1) * self.stride + self.window_frames

    def encode(
        self, latent: np.ndarray, rng: np.random.Generator, token_noise: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Codes of every full window of a ``(frames, m)`` latent.

        Returns ids ``(W, d)`` int64 and the bounded pre-rounding values ``(W, d, n_levels)``
        float32 (the continuous latent some exports carry).
        """
        frames = latent.shape[0]
        n_windows = (frames - self.window_frames) // self.stride + 1
        motion = np.concatenate(
            [latent, np.gradient(latent, axis=0) * self.velocity_weight], axis=1
        )

        starts = np.arange(n_windows) * self.stride
        offsets = np.arange(self.codes_per_window) * self.window_frames // self.codes_per_window
        local = motion[starts[:, None] + offsets[None, :]]  # (W, d, 2m)
        summed = np.concatenate([np.zeros((1, motion.shape[1])), np.cumsum(motion, axis=0)])
        context = (summed[starts + self.window_frames] - summed[starts]) / self.window_frames

        pre = (1 - self.context_mix) * (local @ self.local_weights.T)
        pre += self.context_mix * (context @ self.context_weights.T)[:, None, :]
        pre += self.slot_embedding[None] + self.bias
        pre = self.gain * pre + rng.normal(0, token_noise, pre.shape)
        bounded = np.tanh(pre)

        levels = np.asarray(self.levels)
        digits = np.clip(np.rint((bounded + 1) / 2 * (levels - 1)), 0, levels - 1)
        radix = np.cumprod((1,) + self.levels[:-1])
        ids = digits.astype(np.int64) @ radix
        return ids, bounded.astype(np.float32)
