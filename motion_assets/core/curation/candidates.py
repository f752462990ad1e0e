"""New actions proposed from the unknowns that pile up in the online scores.

The unknown sequences of a variant are featurized with the deployed bundle's featurizer and
clustered with HDBSCAN (noise allowed: most stray unknowns belong to no new action); groups
whose centres lie closer than a known cluster's median radius merge into one, and stray
unknowns as close to a group as known clips are to their own action join it. Each
cluster becomes a candidate with its size, exemplar clips, the code n-grams that set it apart
from the training sequences (c-TF-IDF against them) and how far it lies from the nearest
existing cluster, relative to that cluster's own spread. Candidate ids are stable: a
candidate that shares most members with an earlier one keeps its id.
"""

from __future__ import annotations

import hashlib

import hdbscan
import numpy as np
import pandas as pd

from motion_assets.core.clustering.signatures import NOISE, cluster_signatures
from motion_assets.core.curation.vocabulary import cluster_centroids, member_radius, unit_rows

CANDIDATE_COLUMNS = ("candidate", "size", "exemplars", "signature", "nearest_cluster",
                     "distance_to_nearest", "separation", "members", "member_hashes",
                     "member_codes", "codes_per_window", "status")
MIN_CANDIDATE_SIZE = 5  # fewer unknowns than this are no action worth a name
INHERIT_OVERLAP = 0.5  # share of an earlier candidate's members that carries its id over


def candidate_id(member_hashes) -> str:
    """An id from the members' content (the first one when sorted): reproducible."""
    return "cand-" + hashlib.sha256(min(member_hashes).encode()).hexdigest()[:8]


def propose_candidates(unknown: pd.DataFrame, features, training_features, training_clusters,
                       training_codes, *, previous: pd.DataFrame | None = None,
                       min_size: int = MIN_CANDIDATE_SIZE, n_exemplars: int = 5) -> pd.DataFrame:
    """Candidates (columns :data:`CANDIDATE_COLUMNS`), largest first.

    ``unknown``: one row per unknown sequence with ``path``, ``content_hash``, ``codes``,
    ``codes_per_window``;
    ``features`` ``[N, F]`` their features; ``training_*``: the bundle's training features,
    cluster ids and codes (for distances and distinctive n-grams); ``previous``: the last
    candidates table (ids are inherited from it).
    """
    if len(unknown) < max(min_size, 2):
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    unit = unit_rows(features)
    centroids, spreads = _cluster_geometry(training_features, training_clusters)
    labels = hdbscan.HDBSCAN(min_cluster_size=min_size, min_samples=min(min_size, 3),
                             allow_single_cluster=True).fit_predict(unit)
    # groups of unknowns closer together than a known cluster's typical radius are one action
    labels = _merge_close(unit, labels, float(np.median(list(spreads.values()))) if spreads else 0.0)
    # HDBSCAN keeps only the dense core: clips as close as a known action's members join it
    known_radius = member_radius(training_features, training_clusters, centroids) if centroids else 0.0
    labels = _absorb_near(unit, labels, known_radius)
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels[labels >= 0])]
    signatures = _signatures(unknown["codes"].tolist(), labels, training_codes)
    rows = []
    for label, members in zip(np.unique(labels[labels >= 0]), groups):
        centre = unit_rows(unit[members].mean(axis=0, keepdims=True))[0]
        order = np.argsort(np.linalg.norm(unit[members] - centre, axis=1), kind="stable")
        nearest, distance, separation = _nearest_cluster(centre, centroids, spreads)
        hashes = unknown["content_hash"].to_numpy()[members].tolist()
        rows.append({
            "candidate": candidate_id(hashes),
            "size": len(members),
            "exemplars": unknown["path"].to_numpy()[members[order[:n_exemplars]]].tolist(),
            "signature": signatures.get(int(label), ""),
            "nearest_cluster": nearest, "distance_to_nearest": distance,
            "separation": separation,
            "members": unknown["path"].to_numpy()[members].tolist(),
            "member_hashes": hashes,
            "member_codes": [np.asarray(c, dtype=np.int32) for c in
                             unknown["codes"].to_numpy()[members]],
            "codes_per_window": int(unknown["codes_per_window"].to_numpy()[members[0]]),
            "status": "proposed",
        })
    frame = pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))
    frame = _inherit_ids(frame, previous)
    return frame.sort_values(["size", "candidate"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


def carry_accepted(current: pd.DataFrame, previous: pd.DataFrame | None, accepted) -> pd.DataFrame:
    """``current`` plus every accepted candidate of ``previous`` that is no longer proposed
    (once accepted, its files stop being unknown): an accepted candidate is never lost."""
    current = current.copy()
    current.loc[current["candidate"].isin(list(accepted)), "status"] = "accepted"
    if previous is None or not len(previous):
        return current
    kept = previous[previous["candidate"].isin(list(accepted))
                    & ~previous["candidate"].isin(current["candidate"])].copy()
    kept["status"] = "accepted"
    return pd.concat([current, kept], ignore_index=True) if len(kept) else current


def _absorb_near(unit: np.ndarray, labels: np.ndarray, known_radius: float) -> np.ndarray:
    """Noise points within a cluster's radius (its core's 95th percentile distance, at least
    ``known_radius``) of its centre join the nearest such cluster."""
    labels = labels.copy()
    ids = np.unique(labels[labels >= 0])
    noise = np.flatnonzero(labels < 0)
    if not len(ids) or not len(noise):
        return labels
    centres = np.stack([unit_rows(unit[labels == i].mean(axis=0, keepdims=True))[0] for i in ids])
    radii = np.array([max(float(np.quantile(np.linalg.norm(unit[labels == i] - c, axis=1), 0.95)),
                          known_radius) for i, c in zip(ids, centres)])
    distance = np.linalg.norm(unit[noise, None] - centres[None], axis=2)
    nearest = distance.argmin(axis=1)
    near = distance[np.arange(len(noise)), nearest] <= radii[nearest]
    labels[noise[near]] = ids[nearest[near]]
    return labels


def _merge_close(unit: np.ndarray, labels: np.ndarray, distance: float) -> np.ndarray:
    """Merge clusters whose centroids lie within ``distance`` of each other, closest first."""
    labels = labels.copy()
    while True:
        ids = np.unique(labels[labels >= 0])
        if len(ids) < 2:
            return labels
        centres = np.stack([unit_rows(unit[labels == i].mean(axis=0, keepdims=True))[0] for i in ids])
        gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)
        np.fill_diagonal(gaps, np.inf)
        a, b = np.unravel_index(np.argmin(gaps), gaps.shape)
        if gaps[a, b] >= distance:
            return labels
        labels[labels == ids[b]] = ids[a]


def _inherit_ids(frame: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    if previous is None or not len(previous) or not len(frame):
        return frame
    taken = set()
    for i, hashes in enumerate(frame["member_hashes"]):
        mine = set(hashes)
        best, best_overlap = None, INHERIT_OVERLAP
        for candidate, theirs in zip(previous["candidate"], previous["member_hashes"]):
            theirs = set(theirs)
            overlap = len(mine & theirs) / max(len(theirs), 1)
            if candidate not in taken and overlap >= best_overlap:
                best, best_overlap = candidate, overlap
        if best is not None:
            frame.loc[i, "candidate"] = best
            taken.add(best)
    return frame


def _cluster_geometry(features, clusters) -> tuple[dict[int, np.ndarray], dict[int, float]]:
    unit, clusters = unit_rows(features), np.asarray(clusters)
    centroids = cluster_centroids(unit, clusters)
    spreads = {c: float(np.median(np.linalg.norm(unit[clusters == c] - centre, axis=1)))
               for c, centre in centroids.items()}
    return centroids, spreads


def _nearest_cluster(centre, centroids, spreads) -> tuple[int | None, float, float]:
    if not centroids:
        return None, float("nan"), float("nan")
    ids = list(centroids)
    distances = np.array([np.linalg.norm(centre - centroids[c]) for c in ids])
    best = int(distances.argmin())
    spread = spreads[ids[best]]
    return ids[best], float(distances[best]), float(distances[best] / spread) if spread else float("inf")


def _signatures(codes, labels, training_codes, top_k: int = 5) -> dict[int, str]:
    """Each candidate's most distinctive n-grams against the training sequences (one
    document, kept as "noise" so it gets no signature of its own)."""
    training = list(training_codes)
    all_codes = [np.asarray(c) for c in codes] + [np.asarray(c) for c in training]
    all_labels = np.concatenate([np.where(labels >= 0, labels, NOISE), np.full(len(training), NOISE)])
    terms = cluster_signatures(all_codes, all_labels, ngram_sizes=(2, 3), top_k=top_k)
    return {int(c): " ".join(group.sort_values("score", ascending=False)["term"].head(top_k))
            for c, group in terms.groupby("cluster")}
