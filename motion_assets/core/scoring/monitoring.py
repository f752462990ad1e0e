"""Pure figures for a check on online scores: recent unknown share, cluster-share drift.

Inputs are plain arrays (or a ``score_sequences`` frame); nothing is read or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


def unknown_share_recent(scores, window: int) -> float:
    """Share flagged unknown among the last ``window`` scores (oldest first).

    ``scores``: a frame with an ``unknown`` column, or a bool array ``[N]``. NaN when empty.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    flags = scores["unknown"] if isinstance(scores, pd.DataFrame) else scores
    recent = np.asarray(flags, dtype=bool)[-window:]
    return float(recent.mean()) if len(recent) else float("nan")


@dataclass(frozen=True)
class ShareDrift:
    """How far online cluster shares moved from training.

    ``total_variation``: half the L1 distance of the share vectors, in [0, 1].
    ``jensen_shannon``: Jensen-Shannon divergence in bits, in [0, 1].
    ``online_shares`` / ``training_shares``: cluster id -> share (-1 = noise), union of ids.
    ``new_clusters``: ids seen online but never in training.
    """

    total_variation: float
    jensen_shannon: float
    online_shares: dict[int, float]
    training_shares: dict[int, float]
    new_clusters: tuple[int, ...]


def cluster_share_drift(online_clusters, training_clusters) -> ShareDrift:
    """Compare cluster share distributions. Each input: cluster ids ``[N]`` (-1 noise is a
    category of its own) or a mapping id -> count (e.g. a bundle's training_cluster_counts)."""
    online, training = _counts(online_clusters), _counts(training_clusters)
    if not online or not training:
        raise ValueError("cluster_share_drift needs at least one online and one training cluster")
    ids = sorted(set(online) | set(training))
    p = np.array([online.get(i, 0) for i in ids], dtype=np.float64)
    q = np.array([training.get(i, 0) for i in ids], dtype=np.float64)
    p, q = p / p.sum(), q / q.sum()
    middle = 0.5 * (p + q)
    js = 0.5 * _kl_bits(p, middle) + 0.5 * _kl_bits(q, middle)
    return ShareDrift(
        total_variation=float(0.5 * np.abs(p - q).sum()),
        jensen_shannon=float(np.clip(js, 0.0, 1.0)),
        online_shares=dict(zip(ids, p.tolist())),
        training_shares=dict(zip(ids, q.tolist())),
        new_clusters=tuple(i for i in ids if training.get(i, 0) == 0),
    )


def _counts(clusters) -> dict[int, int]:
    if isinstance(clusters, Mapping):
        return {int(k): int(v) for k, v in clusters.items() if int(v) > 0}
    values, counts = np.unique(np.asarray(clusters, dtype=np.int64), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist()))


def _kl_bits(p: np.ndarray, q: np.ndarray) -> float:
    present = p > 0
    return float((p[present] * np.log2(p[present] / q[present])).sum())
