"""Which clips to label next: the few that teach the most, each with its reason.

Three kinds, interleaved so an hour's work covers all of them:
- ``representative``: a cluster's most typical clips not yet labelled (a cluster without a
  confident name gets its name from these);
- ``boundary``: clips the model is least sure about (lowest membership probability among
  those it still assigns), where a label moves the boundary;
- ``unknown``: a spread sample of the sequences flagged unknown (a new action, or a gap).
A clip already in the labelled subset (same content hash) is never suggested.

The queue picks from a seeded draw of the unlabelled sequences (:func:`candidate_pool`), not
from all of them: scoring every sequence of a 50k variant to choose 60 clips was the whole of
the asset's cost, and a draw of 5,000 still holds over a hundred of every cluster's members (a
cluster is at least ~2.7 % of the sequences) and hundreds of unknowns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from motion_assets.core.features.draws import sample_table

QUEUE_COLUMNS = ("rank", "path", "sequence_id", "cluster", "action", "reason", "detail",
                 "probability", "video_segment_path")
CLIPS_PER_HOUR = 60  # about a minute a clip: watch it, type the label
POOL_ROWS = 5_000  # sequences scored to choose from: see the module doc


def candidate_pool(sequences: pd.DataFrame, labelled_hashes, *, rows: int = POOL_ROWS,
                   seed: int = 0) -> pd.DataFrame:
    """The sequences the queue chooses from: those not labelled (by content hash), a seeded
    draw of at most ``rows`` of them (index reset)."""
    unlabelled = sequences[~sequences["content_hash"].isin(set(labelled_hashes))]
    return sample_table(unlabelled.reset_index(drop=True), rows, seed)


def clips_to_label(scores: pd.DataFrame, labelled_hashes, *, cap: int = CLIPS_PER_HOUR,
                   per_cluster: int = 2, seed: int = 0) -> pd.DataFrame:
    """At most ``cap`` rows (columns :data:`QUEUE_COLUMNS`) from ``scores``: the deployed
    bundle's scores of the variant's sequences joined with their ``path``, ``content_hash``,
    ``video_segment_path`` and curated ``action`` (see module doc)."""
    pool = scores[~scores["content_hash"].isin(set(labelled_hashes))]
    known = pool[~pool["unknown"] & (pool["cluster"] >= 0)]
    picks: dict[str, list[tuple[int, str]]] = {"representative": [], "boundary": [], "unknown": []}
    for cluster, group in known.groupby("action_cluster", sort=True):
        action = group["action"].iloc[0]
        top = group.sort_values(["probability", "sequence_id"], ascending=[False, True])
        for index in top.index[:per_cluster]:
            picks["representative"].append(
                (index, f"typical of cluster {cluster} ({action}), not yet labelled"))
    for index in known.sort_values(["probability", "sequence_id"]).index:
        picks["boundary"].append(
            (index, (f"least certain member of cluster {known.at[index, 'action_cluster']} "
                     f"(probability {known.at[index, 'probability']:.2f})")))
    unknown = pool[pool["unknown"]]
    if len(unknown):
        order = np.random.default_rng(seed).permutation(len(unknown))
        for index in unknown.index[order]:
            picks["unknown"].append((index, "flagged unknown: a new action or a gap in the model"))
    chosen, seen = [], set()
    for index, reason, detail in _interleave(picks):
        if index in seen:
            continue
        seen.add(index)
        chosen.append((index, reason, detail))
        if len(chosen) == cap:
            break
    rows = []
    for rank, (index, reason, detail) in enumerate(chosen, start=1):
        row = scores.loc[index]
        rows.append({"rank": rank, "path": row["path"], "sequence_id": row["sequence_id"],
                     "cluster": int(row["action_cluster"]), "action": row["action"],
                     "reason": reason, "detail": detail,
                     "probability": round(float(row["probability"]), 3),
                     "video_segment_path": row.get("video_segment_path")})
    return pd.DataFrame(rows, columns=list(QUEUE_COLUMNS))


def _interleave(picks):
    """Representatives first (one pass over clusters), then boundary and unknown in turn."""
    yield from ((i, "representative", d) for i, d in picks["representative"])
    boundary, unknown = iter(picks["boundary"]), iter(picks["unknown"])
    while True:
        step = [next(boundary, None), next(unknown, None)]
        if step == [None, None]:
            return
        for kind, item in zip(("boundary", "unknown"), step):
            if item is not None:
                yield item[0], kind, item[1]
