"""The clusters catalog: per cluster, its size, how sure the fit is, the codes that set it
apart and example clips a person can open to see which action it is."""

from __future__ import annotations

import posixpath

import numpy as np
import pandas as pd

SIGNATURE_TERMS = 3
EXAMPLES = 3


def clip_in_variant(video_segment_path, relative_path: str, variant: str) -> str:
    """The example's clip as a path relative to the variant folder.

    A sidecar names its clip as the producing machine saw it (absolute, elsewhere): keep the
    part below the variant's folder, else below the video folder that holds
    ``segmented_videos/``. A sequence whose file names no clip is shown by its own file.
    """
    if not isinstance(video_segment_path, str) or not video_segment_path:
        return relative_path
    parts = [p for p in video_segment_path.replace("\\", "/").split("/") if p]
    if variant in parts:
        below = len(parts) - parts[::-1].index(variant)
        return posixpath.join(*parts[below:]) if below < len(parts) else relative_path
    if "segmented_videos" in parts[1:]:
        return posixpath.join(*parts[parts.index("segmented_videos") - 1:])
    return posixpath.join(*parts) if not video_segment_path.startswith("/") else parts[-1]


def cluster_catalog(summary: pd.DataFrame, members: pd.DataFrame, signatures: pd.DataFrame,
                    variant: str) -> pd.DataFrame:
    """One row per cluster (noise left out).

    ``summary``: cluster_summary's table (cluster, size, share, mean_probability,
    unknown_share, persistence, representatives = row positions in ``members``); ``members``: the fitted
    rows of code_sequences (video_segment_path, relative_path); ``signatures``:
    cluster_signatures' table (cluster, rank, term).
    """
    rows = []
    for record in summary.itertuples(index=False):
        if record.cluster < 0:
            continue
        examples = members.iloc[list(record.representatives)[:EXAMPLES]]
        terms = signatures[(signatures["cluster"] == record.cluster)
                           & (signatures["rank"] <= SIGNATURE_TERMS)].sort_values("rank")
        persistence = getattr(record, "persistence", np.nan)
        clips = [clip_in_variant(path, relative, variant) for path, relative in
                 zip(examples["video_segment_path"], examples["relative_path"])]
        rows.append({
            "cluster": int(record.cluster), "size": int(record.size), "share": record.share,
            "mean_probability": record.mean_probability, "unknown_share": record.unknown_share,
            "persistence": None if persistence is None or np.isnan(persistence) else persistence,
            "signature": ", ".join(terms["term"]),
            # one column per clip: a path does not wrap, so each row stays one line high
            **{f"example_{n}": clip for n, clip in enumerate(clips, start=1)},
        })
    columns = ["cluster", "size", "share", "mean_probability", "unknown_share", "persistence",
               "signature", *(f"example_{n}" for n in range(1, EXAMPLES + 1))]
    return pd.DataFrame(rows, columns=columns)
