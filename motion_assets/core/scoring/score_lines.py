"""The lines of a JSONL scores file: which fields, in which order, and one line per identity.

Plain dicts and orjson only, so that the scoring runtime writes the same bytes as the frame
path (output.py) without importing pandas.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

JSONL_FIELDS = ("path", "sequence_id", "cluster", "probability", "outlier_score", "unknown",
                "unknown_score", "bundle_hash", "content_hash", "scoring_id", "threshold",
                "threshold_source")
IDENTITY_KEY = ("path", "content_hash", "scoring_id")  # what a score is of, as in the history


def jsonl_bytes(rows: Iterable[dict]) -> bytes:
    """One JSON object per row, newline-terminated (rows: ``JSONL_FIELDS`` keys, in order)."""
    return b"".join(orjson.dumps(row) + b"\n" for row in rows)


def unique_rows(rows: Iterable[dict]) -> list[dict]:
    """The first row of each identity: the same file given twice (by name and by its folder)
    is one score, as in the history."""
    seen, kept = set(), []
    for row in rows:
        key = tuple(row[name] for name in IDENTITY_KEY)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept
