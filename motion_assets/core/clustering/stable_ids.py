"""Stable cluster ids across refits: cluster 3 stays cluster 3 where the members agree.

A refit numbers its clusters arbitrarily. We match new clusters to the previous fit's by
member overlap (sequences keyed by ``sequence_id``; Hungarian assignment maximising
Jaccard), or by centroid distance when no members are shared. Matched clusters inherit the
old id, the rest get fresh ids above every id used before; noise stays -1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from motion_assets.core.clustering.assignments import NOISE


def _fresh_ids(mapping: dict[int, int], new_clusters, used_ids) -> dict[int, int]:
    next_id = max([*used_ids, *mapping.values(), NOISE]) + 1
    for cluster in sorted(set(new_clusters) - set(mapping)):
        mapping[cluster] = next_id
        next_id += 1
    return mapping


def match_by_members(previous: pd.Series, current: pd.Series, *,
                     min_jaccard: float = 0.1) -> dict[int, int]:
    """New cluster -> stable id. Both series: index = sequence_id, value = cluster id.

    A pair is matched only when its Jaccard overlap (on sequences present in both fits,
    noise excluded) reaches ``min_jaccard``; unmatched new clusters get fresh ids.
    """
    previous = previous.astype(np.int64)
    current = current.astype(np.int64)
    if previous.index.has_duplicates or current.index.has_duplicates:
        raise ValueError("sequence ids must be unique in each fit")
    shared = previous.index.intersection(current.index)
    old, new = previous.loc[shared], current.loc[shared]
    old_ids = np.unique(old[old != NOISE])
    new_ids = np.unique(current[current != NOISE])
    mapping: dict[int, int] = {}
    if len(old_ids) and len(new_ids):
        overlap = pd.crosstab(new, old).reindex(index=new_ids, columns=old_ids, fill_value=0)
        inter = overlap.to_numpy(dtype=float)
        old_sizes = np.array([(old == c).sum() for c in old_ids], dtype=float)
        new_sizes = np.array([(new == c).sum() for c in new_ids], dtype=float)
        union = new_sizes[:, None] + old_sizes[None, :] - inter
        jaccard = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        rows, cols = linear_sum_assignment(jaccard, maximize=True)
        mapping = {int(new_ids[r]): int(old_ids[c]) for r, c in zip(rows, cols)
                   if jaccard[r, c] >= min_jaccard}
    used = np.unique(previous[previous != NOISE]).tolist()
    return _fresh_ids(mapping, new_ids.tolist(), used)


def relabel(clusters, mapping: dict[int, int]) -> np.ndarray:
    """Apply a mapping; noise stays -1, and every non-noise id must be in the mapping."""
    clusters = np.asarray(clusters, dtype=np.int64)
    out = np.full(clusters.shape, NOISE, dtype=np.int64)
    for old, new in mapping.items():
        out[clusters == old] = new
    missing = set(np.unique(clusters[clusters != NOISE]).tolist()) - set(mapping)
    if missing:
        raise ValueError(f"clusters {sorted(missing)} have no stable id in the mapping")
    return out


def stable_cluster_ids(previous: pd.Series | None, current: pd.Series, *,
                       min_jaccard: float = 0.1) -> pd.Series:
    """``current`` (sequence_id -> cluster) renumbered to agree with ``previous``.

    Without a previous fit, clusters are renumbered by size (largest = 0), so a first fit's
    ids do not depend on the clusterer's internal order either.
    """
    if previous is None or previous.empty:
        counts = current[current != NOISE].value_counts(sort=False)
        order = sorted(counts.index, key=lambda c: (-counts[c], c))
        mapping = {int(c): i for i, c in enumerate(order)}
    else:
        mapping = match_by_members(previous, current, min_jaccard=min_jaccard)
    return pd.Series(relabel(current.to_numpy(), mapping), index=current.index, name=current.name)
