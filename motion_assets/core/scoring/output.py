"""Online scores as JSONL, one object per sequence, like the old tool's ``results.jsonl``.

Each line holds, in this order: ``path``, ``sequence_id``, ``cluster``, ``probability``,
``outlier_score``, ``unknown``, ``unknown_score``, ``bundle_hash`` (the old tool's fields),
then the score's identity as in the online_scores history: ``content_hash``, ``scoring_id``,
``threshold`` and ``threshold_source`` (null where the frame lacks them). The file is published
atomically (atomic_write.py): a reader never sees half of it. Any fsspec URL works.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import orjson
import pandas as pd
from upath import UPath

from motion_assets.core.files.atomic_write import write_bytes_atomically
from motion_assets.core.scoring.score_lines import IDENTITY_KEY, JSONL_FIELDS, jsonl_bytes

__all__ = ["JSONL_FIELDS", "read_scores_jsonl", "score_rows", "scores_to_jsonl", "unique_scores",
           "write_scores_jsonl"]



def score_rows(scores: pd.DataFrame, paths: Sequence[str | None] | None = None) -> list[dict]:
    """One plain dict per row of a ``score_sequences`` frame (``JSONL_FIELDS`` keys).

    ``paths``: the scored file of each row; default the frame's ``path`` column if it has
    one, else null.
    """
    if paths is None:
        paths = scores["path"].tolist() if "path" in scores else [None] * len(scores)
    if len(paths) != len(scores):
        raise ValueError(f"{len(paths)} paths for {len(scores)} score rows")
    columns = {
        "path": [None if _missing(p) else str(p) for p in paths],
        "sequence_id": [str(v) for v in scores["sequence_id"]],
        "cluster": [int(v) for v in scores["cluster"]],
        "probability": [float(v) for v in scores["probability"]],
        "outlier_score": [float(v) for v in scores["outlier_score"]],
        "unknown": [bool(v) for v in scores["unknown"]],
        "unknown_score": [float(v) for v in scores["unknown_score"]],
        "bundle_hash": [None if _missing(v) else str(v) for v in scores["bundle_hash"]],
        "content_hash": _optional(scores, "content_hash", str),
        "scoring_id": _optional(scores, "scoring_id", str),
        "threshold": _optional(scores, "threshold", float),
        "threshold_source": _optional(scores, "threshold_source", str),
    }
    return [dict(zip(JSONL_FIELDS, values)) for values in zip(*columns.values())]


def unique_scores(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per identity (path, content, scoring identity), the first kept: the
    same file given twice (by name and by its folder) is one score, as in the history."""
    return rows.drop_duplicates(list(IDENTITY_KEY), keep="first").reset_index(drop=True)


def scores_to_jsonl(scores: pd.DataFrame, paths: Sequence[str | None] | None = None) -> bytes:
    """The JSONL bytes of :func:`score_rows` (one object per line, newline-terminated)."""
    return jsonl_bytes(score_rows(scores, paths))


def write_scores_jsonl(target: UPath | str | os.PathLike, scores: pd.DataFrame,
                       paths: Sequence[str | None] | None = None) -> int:
    """Write the scores atomically to ``target``; returns the number of rows written."""
    write_bytes_atomically(target, scores_to_jsonl(scores, paths))
    return len(scores)


def read_scores_jsonl(source: UPath | str | os.PathLike) -> pd.DataFrame:
    """A JSONL scores file back as a frame with ``JSONL_FIELDS`` columns."""
    data = UPath(source).read_bytes()
    rows = [orjson.loads(line) for line in data.splitlines() if line.strip()]
    frame = pd.DataFrame(rows, columns=list(JSONL_FIELDS))  # older files lack the identity
    return frame.astype({"cluster": np.int64, "probability": np.float64,
                         "outlier_score": np.float64, "unknown": bool,
                         "unknown_score": np.float64})


def _optional(scores: pd.DataFrame, column: str, kind) -> list:
    if column not in scores:
        return [None] * len(scores)
    return [None if _missing(v) else kind(v) for v in scores[column]]


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
