"""Name each cluster after the label most of its labelled members carry.

The evidence is the hand-labelled subset scored through the deployed bundle (the same path
as new files), so a name says what the deployed model puts in that cluster. A name is kept
only when the evidence is not thin: enough labelled members, and a lower confidence bound on
the purity above ``min_confidence`` (Wilson score interval, z = 1.96).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from motion_assets.core.curation.vocabulary import UNNAMED

NAME_COLUMNS = ("cluster", "action", "majority_label", "purity", "support", "labelled_members",
                "confidence", "runner_up")
MIN_SUPPORT = 3  # fewer labelled members than this is no evidence for a name
MIN_CONFIDENCE = 0.5  # the majority label must hold for at least half the members at 95 %


def wilson_lower_bound(successes: int, trials: int, z: float = 1.96) -> float:
    """Lower end of the Wilson score interval of a proportion (0 for no trials)."""
    if trials <= 0:
        return 0.0
    p = successes / trials
    centre = p + z * z / (2 * trials)
    margin = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return float(max(0.0, (centre - margin) / (1 + z * z / trials)))


def name_clusters(clusters, labels, *, known_clusters=(), min_support: int = MIN_SUPPORT,
                  min_confidence: float = MIN_CONFIDENCE) -> pd.DataFrame:
    """One row per cluster (columns :data:`NAME_COLUMNS`), sorted by cluster id.

    ``clusters`` ``[N]``: the deployed cluster of each labelled sequence (negative = noise,
    not named); ``labels`` ``[N]``: its (merged) label, None/NaN for unlabelled;
    ``known_clusters``: every cluster id of the model, so clusters no labelled clip reached
    are listed too (``unnamed``, support 0). ``support`` is the majority label's count,
    ``labelled_members`` all labelled members, ``purity`` their ratio, ``confidence`` the
    Wilson lower bound of the purity.
    """
    frame = pd.DataFrame({"cluster": np.asarray(clusters, dtype=np.int64),
                          "label": pd.Series(labels, dtype="object").to_numpy()})
    frame = frame[(frame["cluster"] >= 0) & frame["label"].notna()]
    rows = []
    ids = sorted({int(c) for c in known_clusters if int(c) >= 0} | set(frame["cluster"]))
    for cluster in ids:
        counts = frame.loc[frame["cluster"] == cluster, "label"].value_counts()
        members = int(counts.sum())
        majority = str(counts.index[0]) if members else None
        support = int(counts.iloc[0]) if members else 0
        confidence = wilson_lower_bound(support, members)
        named = support >= min_support and confidence >= min_confidence
        rows.append({
            "cluster": cluster,
            "action": majority if named else UNNAMED,
            "majority_label": majority,
            "purity": support / members if members else float("nan"),
            "support": support,
            "labelled_members": members,
            "confidence": confidence,
            "runner_up": str(counts.index[1]) if len(counts) > 1 else None,
        })
    return pd.DataFrame(rows, columns=list(NAME_COLUMNS))
