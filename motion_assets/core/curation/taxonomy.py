"""The taxonomy a person curates per variant: rename, merge, split, "not an action", accept.

One YAML file per variant (``<taxonomy_dir>/<variant>.yaml``); cluster ids are the stable
ids the UI shows, so decisions survive refits::

    clusters:
      0: {name: pick}
      3: {merge_into: 0}                      # 3 is the same action as 0
      5: {not_an_action: true, note: camera shake}
      2: {split: 2, names: [screw, screw_fast]}
    accept:                                   # proposed new actions, by candidate id
      cand-1a2b3c4d: drop

Every problem is one line naming the file and the YAML path (:class:`TaxonomyError`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import pandas as pd
import yaml

DECISION_KEYS = ("name", "merge_into", "not_an_action", "split", "names", "note")
MAX_SPLIT = 10


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be applied; the message is one line."""


@dataclass(frozen=True)
class ClusterDecision:
    name: str | None = None
    merge_into: int | None = None
    not_an_action: bool = False
    split: int | None = None  # number of parts
    names: tuple[str, ...] = ()  # names of the split parts, in part order
    note: str | None = None


@dataclass(frozen=True)
class Taxonomy:
    source: str = "(none)"
    clusters: dict[int, ClusterDecision] = field(default_factory=dict)
    accept: dict[str, str] = field(default_factory=dict)  # candidate id -> action name
    sha256: str | None = None  # of the file's bytes; None when there is no file

    def merge_target(self, cluster: int) -> int:
        """The cluster that ``cluster`` finally merges into (itself when not merged)."""
        seen = [cluster]
        while (target := self.clusters.get(seen[-1], ClusterDecision()).merge_into) is not None:
            seen.append(target)
        return seen[-1]

    def check_clusters(self, known: set[int], candidates: set[str] | None = None) -> None:
        """Refuse decisions about clusters (or candidates) the model does not have."""
        for cluster, decision in sorted(self.clusters.items()):
            if cluster not in known:
                self._fail(f"clusters.{cluster}", f"no cluster {cluster} in the deployed model "
                           f"(its clusters: {sorted(known)})")
            if decision.merge_into is not None and decision.merge_into not in known:
                self._fail(f"clusters.{cluster}.merge_into",
                           f"no cluster {decision.merge_into} in the deployed model")
        for candidate in self.accept:
            if candidates is not None and candidate not in candidates:
                self._fail(f"accept.{candidate}", "no such proposed candidate "
                           f"(known: {sorted(candidates) or 'none yet'})")

    def _fail(self, where: str, problem: str):
        raise TaxonomyError(f"taxonomy {self.source}: {where}: {problem}")


def load_taxonomy(path: str) -> Taxonomy:
    """The taxonomy in ``path``; an empty one when the file does not exist."""
    if not os.path.exists(path):
        return Taxonomy(source=path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        document = yaml.safe_load(data)
    except (OSError, yaml.YAMLError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TaxonomyError(f"taxonomy {path}: cannot be read: {first}") from None
    return parse_taxonomy(document, path, sha256=hashlib.sha256(data).hexdigest())


def parse_taxonomy(document, source: str = "(inline)", sha256: str | None = None) -> Taxonomy:
    """Validate a parsed YAML document (see the module doc for its shape)."""
    empty = Taxonomy(source=source)
    document = {} if document is None else document
    if not isinstance(document, dict):
        empty._fail("top level", f"expected a mapping, got {type(document).__name__}")
    unknown = sorted(set(document) - {"clusters", "accept"})
    if unknown:
        empty._fail("top level", f"unknown key(s) {unknown}; expected clusters, accept")
    clusters = {}
    raw_clusters = document.get("clusters") or {}
    if not isinstance(raw_clusters, dict):
        empty._fail("clusters", "expected a mapping of cluster id -> decision")
    for key, raw in raw_clusters.items():
        cluster = _cluster_id(empty, f"clusters.{key}", key)
        clusters[cluster] = _decision(empty, f"clusters.{key}", cluster, raw)
    accept = {}
    raw_accept = document.get("accept") or {}
    if not isinstance(raw_accept, dict):
        empty._fail("accept", "expected a mapping of candidate id -> action name")
    for candidate, name in raw_accept.items():
        if not isinstance(name, str) or not name.strip():
            empty._fail(f"accept.{candidate}", f"expected an action name, got {name!r}")
        accept[str(candidate)] = name.strip()
    taxonomy = Taxonomy(source=source, clusters=clusters, accept=accept, sha256=sha256)
    _check_merges(taxonomy)
    return taxonomy


def _cluster_id(taxonomy: Taxonomy, where: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        taxonomy._fail(where, f"a cluster id is a non-negative integer, got {value!r}")
    return int(value)


def _decision(taxonomy: Taxonomy, where: str, cluster: int, raw) -> ClusterDecision:
    if isinstance(raw, str):  # shorthand: `3: pick`
        raw = {"name": raw}
    if not isinstance(raw, dict):
        taxonomy._fail(where, f"expected a mapping with some of {list(DECISION_KEYS)}")
    unknown = sorted(set(raw) - set(DECISION_KEYS))
    if unknown:
        taxonomy._fail(where, f"unknown key(s) {unknown}; expected some of {list(DECISION_KEYS)}")
    name, merge, split = raw.get("name"), raw.get("merge_into"), raw.get("split")
    names = raw.get("names") or []
    if name is not None and (not isinstance(name, str) or not name.strip()):
        taxonomy._fail(f"{where}.name", f"expected a non-empty name, got {name!r}")
    if merge is not None:
        merge = _cluster_id(taxonomy, f"{where}.merge_into", merge)
        if merge == cluster:
            taxonomy._fail(f"{where}.merge_into", "a cluster cannot merge into itself")
        if name is not None or split is not None:
            taxonomy._fail(where, "merge_into goes alone: name or split the target cluster instead")
    if split is not None:
        if isinstance(split, bool) or not isinstance(split, int) or not 2 <= split <= MAX_SPLIT:
            taxonomy._fail(f"{where}.split", f"expected a number of parts in [2, {MAX_SPLIT}], "
                           f"got {split!r}")
        if not isinstance(names, list) or len(names) > split or \
                not all(isinstance(n, str) and n.strip() for n in names):
            taxonomy._fail(f"{where}.names", f"expected at most {split} non-empty names")
    elif names:
        taxonomy._fail(f"{where}.names", "names are for the parts of a split")
    not_an_action = raw.get("not_an_action", False)
    if not isinstance(not_an_action, bool):
        taxonomy._fail(f"{where}.not_an_action", f"expected true or false, got {not_an_action!r}")
    return ClusterDecision(name=name.strip() if name else None, merge_into=merge,
                           not_an_action=not_an_action, split=split,
                           names=tuple(n.strip() for n in names), note=raw.get("note"))


def _check_merges(taxonomy: Taxonomy) -> None:
    for cluster in taxonomy.clusters:
        seen = [cluster]
        while (target := taxonomy.clusters.get(seen[-1], ClusterDecision()).merge_into) is not None:
            if target in seen:
                taxonomy._fail(f"clusters.{cluster}.merge_into",
                               f"merges form a cycle: {' -> '.join(map(str, [*seen, target]))}")
            seen.append(target)
        final = taxonomy.clusters.get(seen[-1], ClusterDecision())
        if len(seen) > 1 and final.split is not None:
            taxonomy._fail(f"clusters.{cluster}.merge_into",
                           f"cluster {seen[-1]} is split: merge into one of its parts instead")


def taxonomy_changes(previous: Taxonomy | None, current: Taxonomy) -> list[str]:
    """What changed between two taxonomies, one readable line per decision."""
    before = previous.clusters if previous else {}
    lines = []
    for cluster in sorted(set(before) | set(current.clusters)):
        old, new = before.get(cluster), current.clusters.get(cluster)
        if old == new:
            continue
        if new is None:
            lines.append(f"cluster {cluster}: decision removed (was {describe(old)})")
        elif old is None:
            lines.append(f"cluster {cluster}: {describe(new)}")
        else:
            lines.append(f"cluster {cluster}: {describe(old)} -> {describe(new)}")
    old_accept = previous.accept if previous else {}
    for candidate in sorted(set(old_accept) | set(current.accept)):
        old, new = old_accept.get(candidate), current.accept.get(candidate)
        if old != new:
            lines.append(f"candidate {candidate}: " + (f"accepted as {new!r}" if old is None else
                         f"acceptance withdrawn (was {old!r})" if new is None else
                         f"renamed {old!r} -> {new!r}"))
    return lines


def describe(decision: ClusterDecision) -> str:
    if decision.merge_into is not None:
        return f"merged into {decision.merge_into}"
    parts = []
    if decision.name:
        parts.append(f"named {decision.name!r}")
    if decision.split:
        parts.append(f"split into {decision.split}" + (f" {list(decision.names)}" if decision.names else ""))
    if decision.not_an_action:
        parts.append("not an action")
    return ", ".join(parts) or "no decision"


TABLE_COLUMNS = ("kind", "cluster", "candidate", "name", "merge_into", "not_an_action", "split",
                 "names", "note", "sha256")


def taxonomy_table(taxonomy: Taxonomy):
    """One row per decision (``kind`` cluster or accept), the file's sha256 on every row:
    what the cluster_taxonomy asset stores, and :func:`taxonomy_from_table` reads back."""
    rows = [{"kind": "cluster", "cluster": cluster, "candidate": None, "name": d.name,
             "merge_into": d.merge_into, "not_an_action": d.not_an_action, "split": d.split,
             "names": list(d.names), "note": d.note, "sha256": taxonomy.sha256}
            for cluster, d in sorted(taxonomy.clusters.items())]
    rows += [{"kind": "accept", "cluster": None, "candidate": candidate, "name": name,
              "merge_into": None, "not_an_action": False, "split": None, "names": [],
              "note": None, "sha256": taxonomy.sha256}
             for candidate, name in taxonomy.accept.items()]
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for column in ("cluster", "merge_into", "split"):
        frame[column] = frame[column].astype("Int64")
    return frame


def taxonomy_from_table(table, source: str = "cluster_taxonomy") -> Taxonomy:
    """The :class:`Taxonomy` a :func:`taxonomy_table` holds."""
    def value(v):
        return None if v is None or pd.isna(v) else v

    clusters, accept, sha = {}, {}, None
    for row in table.to_dict("records"):
        sha = value(row["sha256"]) or sha
        if row["kind"] == "accept":
            accept[row["candidate"]] = row["name"]
            continue
        merge, split = value(row["merge_into"]), value(row["split"])
        clusters[int(row["cluster"])] = ClusterDecision(
            name=value(row["name"]), merge_into=None if merge is None else int(merge),
            not_an_action=bool(row["not_an_action"]), split=None if split is None else int(split),
            names=tuple(row["names"] if row["names"] is not None else ()), note=value(row["note"]))
    return Taxonomy(source=source, clusters=clusters, accept=accept, sha256=sha)
