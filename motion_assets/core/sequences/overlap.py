"""Remove the repeated part of overlapping windows before a sequence is featurized.

Consecutive windows overlap (stride 4 < T 15 frames), so a segment repeats much of its
motion. We keep the first window whole, then from each following window only the codes
that cover new frames: the last ``min(d, ceil(gap * stride * d / T))`` codes, where
``gap`` is the difference of the two windows' global indices.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def new_frame_codes(
    codes: np.ndarray,
    codes_per_window: int,
    window_indices: np.ndarray | None,
    stride: int,
    window_frames: int,
) -> np.ndarray:
    """The codes of one sequence minus what earlier windows already covered.

    ``codes`` is flat, ``W * d`` long. ``window_indices`` (length W, increasing) gives each
    window's global index; None means the windows are consecutive (gap 1).
    """
    codes = np.asarray(codes)
    d = int(codes_per_window)
    if d < 1 or codes.size % d:
        raise ValueError(f"{codes.size} codes do not split into windows of {d}")
    windows = codes.reshape(-1, d)
    if window_indices is None:
        gaps = np.ones(len(windows) - 1, dtype=np.int64)
    else:
        window_indices = np.asarray(window_indices, dtype=np.int64)
        if len(window_indices) != len(windows):
            raise ValueError(f"{len(window_indices)} window indices for {len(windows)} windows")
        gaps = np.diff(window_indices)
        if (gaps <= 0).any():
            raise ValueError(f"window indices must increase, got {window_indices.tolist()}")
    kept = [windows[0]]
    for window, gap in zip(windows[1:], gaps):
        new = min(d, math.ceil(int(gap) * stride * d / window_frames))
        kept.append(window[d - new :])
    return np.concatenate(kept)


def featurizer_sequences(table: pd.DataFrame, remove_overlap: bool = False) -> list[np.ndarray]:
    """The code array each featurizer sees for every row of a ``code_sequences`` table.

    With ``remove_overlap``, rows whose ``stride`` or ``window_frames`` is unknown keep all
    their codes (their overlap cannot be computed); :func:`overlap_unknown` lists them.
    """
    sequences = [np.asarray(codes, dtype=np.int64) for codes in table["codes"]]
    if not remove_overlap:
        return sequences
    out = []
    for codes, row in zip(sequences, _overlap_columns(table)):
        d, indices, stride, frames = row
        if stride is None or frames is None:
            out.append(codes)
        else:
            out.append(new_frame_codes(codes, d, indices, stride, frames))
    return out


def overlap_unknown(table: pd.DataFrame) -> list[str]:
    """sequence_ids whose overlap cannot be removed (no stride or window_frames)."""
    return [
        sequence_id
        for sequence_id, (_, _, stride, frames) in zip(
            table["sequence_id"], _overlap_columns(table)
        )
        if stride is None or frames is None
    ]


def _overlap_columns(table: pd.DataFrame):
    """(d, window_indices or None, stride or None, window_frames or None) per row."""
    for d, indices, stride, frames in zip(
        table["codes_per_window"], table["window_indices"], table["stride"], table["window_frames"]
    ):
        yield (
            int(d),
            None if _missing(indices) else np.asarray(indices, dtype=np.int64),
            None if _missing(stride) else int(stride),
            None if _missing(frames) else int(frames),
        )


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(np.isnan(value))
    return value is pd.NA
