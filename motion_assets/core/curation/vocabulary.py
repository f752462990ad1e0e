"""The curated action vocabulary a scoring bundle applies to every score.

Built from a :class:`~motion_assets.core.curation.taxonomy.Taxonomy`, the names suggested by
the labelled subset, the training features and the members of accepted candidates; applied
after clustering, so batch and online scores carry the same ``action`` beside the cluster id:

- merged clusters report their target's id (``action_cluster``) and name;
- a split cluster's members go to the nearest part (k-means centroids of its training members
  in the featurizer's space, unit-normalised);
- an accepted new action claims a sequence that lies within its radius (the 95th percentile
  of its members' distance to their centroid, at least that of the known clusters' members:
  a candidate learnt from a handful of clips is no tighter than a real action) when the
  sequence is flagged unknown or lies closer to the new action's centroid than to its own
  cluster's (the model never saw the action, so it forced some of its clips into known
  clusters); a flagged sequence up to twice that radius away when no known centroid is
  nearer; existing ids never change;
- ``not_an_action`` clusters keep their id and say so instead of a name.

New ids never collide with the clusterer's (small non-negative ints): split parts are
``SPLIT_ID_BASE * (cluster + 1) + part``, accepted candidates ``EXTENSION_ID_BASE`` plus a
number derived from the candidate id, so they are stable whatever else is accepted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from motion_assets.core.clustering.dense_features import as_dense_features

if TYPE_CHECKING:  # applying a vocabulary (the scoring runtime) needs no taxonomy (pandas)
    from motion_assets.core.curation.taxonomy import Taxonomy

UNNAMED = "unnamed"  # a cluster without a name
NOT_AN_ACTION = "not_an_action"
UNKNOWN = "unknown"
SPLIT_ID_BASE = 1000
EXTENSION_ID_BASE = 1_000_000
EXTENSION_RADIUS_QUANTILE = 0.95
UNKNOWN_RADIUS_FACTOR = 2.0  # how far an accepted action reaches among unknowns (see _claims)


def unit_rows(features) -> np.ndarray:
    """Rows scaled to unit length (dense; sparse featurizer output is densified)."""
    features = np.asarray(as_dense_features(features), dtype=np.float64)
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return features / np.where(norms > 0, norms, 1.0)


def extension_id(candidate: str) -> int:
    return EXTENSION_ID_BASE + int(hashlib.sha256(candidate.encode()).hexdigest()[:8], 16) % 999_983


@dataclass
class Split:
    cluster: int
    ids: list[int]
    centroids: np.ndarray  # [parts, F], unit rows


@dataclass
class Extension:
    cluster: int
    candidate: str
    centroid: np.ndarray  # [F], unit
    radius: float


@dataclass
class CuratedVocabulary:
    merges: dict[int, int] = field(default_factory=dict)  # cluster -> final target
    names: dict[int, str] = field(default_factory=dict)  # action cluster -> name
    not_actions: set[int] = field(default_factory=set)
    splits: dict[int, Split] = field(default_factory=dict)
    extensions: list[Extension] = field(default_factory=list)
    cluster_centroids: dict[int, np.ndarray] = field(default_factory=dict)  # unit, for extensions
    taxonomy_sha256: str | None = None

    def apply(self, features, cluster, best_cluster, unknown) -> dict[str, np.ndarray]:
        """``action_cluster`` ``[N]`` int64, ``action`` ``[N]`` str and the ``unknown`` flags
        after the vocabulary (accepted new actions clear the flag of what they claim)."""
        cluster = np.asarray(cluster, dtype=np.int64)
        unknown = np.asarray(unknown, dtype=bool).copy()
        base = np.where(cluster >= 0, cluster, np.asarray(best_cluster, dtype=np.int64))
        action_cluster = np.array([self.merges.get(int(c), int(c)) for c in base], dtype=np.int64)
        needs_features = bool(self.splits or self.extensions)
        unit = unit_rows(features) if needs_features and len(base) else None
        for source, split in self.splits.items():
            rows = np.flatnonzero(action_cluster == source)
            if len(rows):
                nearest = np.argmax(unit[rows] @ split.centroids.T, axis=1)
                action_cluster[rows] = np.asarray(split.ids)[nearest]
        if self.extensions and len(base):
            claim, nearest = self._claims(unit, base, unknown)
            ids = np.array([e.cluster for e in self.extensions])
            action_cluster[claim] = ids[nearest[claim]]
            unknown[claim] = False
        action = np.array([self.action_name(int(c)) for c in action_cluster], dtype=object)
        action[unknown] = UNKNOWN
        return {"action_cluster": action_cluster, "action": action, "unknown": unknown}

    def _claims(self, unit, base, unknown) -> tuple[np.ndarray, np.ndarray]:
        """Rows an accepted new action takes, and the nearest new action of every row.

        A flagged row within the new action's radius is taken outright: the model already said
        it is like none of its clusters, so a known centroid, however near, is no rival
        (requiring it to beat the nearest known centroid too recognised only 0.27 of an
        accepted action's unseen clips once the deployed featurizer put them near a known
        cluster: #12).
        Up to ``UNKNOWN_RADIUS_FACTOR`` radii it is taken when no known centroid is nearer. An
        unflagged row is taken only from a cluster whose centroid is farther than the new
        action's.
        """
        centroids = np.stack([e.centroid for e in self.extensions])
        distance = np.linalg.norm(unit[:, None, :] - centroids[None], axis=2)
        nearest = distance.argmin(axis=1)
        best = distance[np.arange(len(unit)), nearest]
        radius = np.array([e.radius for e in self.extensions])[nearest]
        own = np.array([np.linalg.norm(unit[i] - self.cluster_centroids[int(c)])
                        if int(c) in self.cluster_centroids else np.inf
                        for i, c in enumerate(base)])
        known = np.stack(list(self.cluster_centroids.values())) if self.cluster_centroids else None
        closest_known = (np.linalg.norm(unit[:, None, :] - known[None], axis=2).min(axis=1)
                         if known is not None else np.full(len(unit), np.inf))
        takes_known = ~unknown & (best <= radius) & (best < own)
        takes_unknown = unknown & ((best <= radius) | (
            (best <= UNKNOWN_RADIUS_FACTOR * radius) & (best < closest_known)))
        return takes_known | takes_unknown, nearest

    def action_name(self, action_cluster: int) -> str:
        if action_cluster < 0:
            return UNKNOWN
        if action_cluster in self.not_actions:
            return NOT_AN_ACTION
        return self.names.get(action_cluster, UNNAMED)

    def to_json(self) -> dict:
        return {
            "merges": {str(k): v for k, v in self.merges.items()},
            "names": {str(k): v for k, v in self.names.items()},
            "not_actions": sorted(self.not_actions),
            "splits": [{"cluster": s.cluster, "ids": s.ids, "centroids": s.centroids.tolist()}
                       for s in self.splits.values()],
            "extensions": [{"cluster": e.cluster, "candidate": e.candidate,
                            "centroid": e.centroid.tolist(), "radius": e.radius}
                           for e in self.extensions],
            "cluster_centroids": {str(k): v.tolist() for k, v in self.cluster_centroids.items()},
            "taxonomy_sha256": self.taxonomy_sha256,
        }

    @classmethod
    def from_json(cls, data: dict) -> CuratedVocabulary:
        return cls(
            merges={int(k): int(v) for k, v in data["merges"].items()},
            names={int(k): v for k, v in data["names"].items()},
            not_actions={int(c) for c in data["not_actions"]},
            splits={s["cluster"]: Split(s["cluster"], list(s["ids"]), np.asarray(s["centroids"]))
                    for s in data["splits"]},
            extensions=[Extension(e["cluster"], e["candidate"], np.asarray(e["centroid"]),
                                  float(e["radius"])) for e in data["extensions"]],
            cluster_centroids={int(k): np.asarray(v)
                               for k, v in data.get("cluster_centroids", {}).items()},
            taxonomy_sha256=data.get("taxonomy_sha256"),
        )


def build_vocabulary(taxonomy: Taxonomy, suggested_names: dict[int, str], *,
                     training_features=None, training_clusters=None,
                     candidate_features: dict[str, np.ndarray] | None = None,
                     seed: int = 0) -> CuratedVocabulary:
    """The vocabulary for one bundle.

    ``suggested_names``: cluster -> name from the labelled subset (``unnamed`` ones left
    out); the taxonomy's names win. ``training_features``/``training_clusters``: needed for
    splits. ``candidate_features``: accepted candidate id -> its members' features.
    """
    vocabulary = CuratedVocabulary(taxonomy_sha256=taxonomy.sha256)
    for cluster in taxonomy.clusters:
        target = taxonomy.merge_target(cluster)
        if target != cluster:
            vocabulary.merges[cluster] = target
    vocabulary.names = {c: n for c, n in suggested_names.items() if n and n != UNNAMED}
    for cluster, decision in taxonomy.clusters.items():
        if decision.name:
            vocabulary.names[cluster] = decision.name
        if decision.not_an_action:
            vocabulary.not_actions.add(cluster)
        if decision.split:
            vocabulary.splits[cluster] = _split(cluster, decision.split, decision.names,
                                                training_features, training_clusters, seed,
                                                vocabulary.names)
    known_radius = 0.0
    if taxonomy.accept and training_features is not None:
        vocabulary.cluster_centroids = cluster_centroids(training_features, training_clusters)
        known_radius = member_radius(training_features, training_clusters,
                                      vocabulary.cluster_centroids)
    for candidate, name in taxonomy.accept.items():
        members = (candidate_features or {}).get(candidate)
        unit = None if members is None else unit_rows(members)
        if unit is None or not unit.shape[0]:
            raise ValueError(f"accepted candidate {candidate} has no members to learn it from")
        centroid = unit_rows(unit.mean(axis=0, keepdims=True))[0]
        distances = np.linalg.norm(unit - centroid, axis=1)
        radius = max(float(np.quantile(distances, EXTENSION_RADIUS_QUANTILE)), known_radius)
        extension = Extension(extension_id(candidate), candidate, centroid, radius)
        vocabulary.extensions.append(extension)
        vocabulary.names[extension.cluster] = name
    return vocabulary


def cluster_centroids(features, clusters) -> dict[int, np.ndarray]:
    """Unit-length centroid of every non-noise cluster's unit-length members."""
    unit, clusters = unit_rows(features), np.asarray(clusters)
    return {int(c): unit_rows(unit[clusters == c].mean(axis=0, keepdims=True))[0]
            for c in np.unique(clusters[clusters >= 0])}


def member_radius(features, clusters, centroids) -> float:
    """The 95th percentile of known members' distance to their cluster's centroid."""
    unit, clusters = unit_rows(features), np.asarray(clusters)
    distances = [np.linalg.norm(unit[clusters == c] - centre, axis=1) for c, centre in centroids.items()]
    return float(np.quantile(np.concatenate(distances), EXTENSION_RADIUS_QUANTILE)) if distances else 0.0


def _split(cluster, parts, names, features, clusters, seed, vocabulary_names) -> Split:
    if features is None or clusters is None:
        raise ValueError(f"splitting cluster {cluster} needs the training features")
    members = unit_rows(features)[np.asarray(clusters) == cluster]
    if len(members) < parts:
        raise ValueError(f"cluster {cluster} has {len(members)} training members, "
                         f"too few to split into {parts}")
    from sklearn.cluster import KMeans  # only splits need it; scoring imports this module

    fit = KMeans(parts, n_init=10, random_state=seed).fit(members)
    order = np.argsort(-np.bincount(fit.labels_, minlength=parts), kind="stable")  # largest first
    ids = [SPLIT_ID_BASE * (cluster + 1) + part for part in range(parts)]
    for part, name in enumerate(names):
        vocabulary_names[ids[part]] = name
    return Split(cluster, ids, unit_rows(fit.cluster_centers_[order]))
