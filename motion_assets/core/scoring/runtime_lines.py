"""JSONL score lines of read sequence rows through the scoring runtime.

What ``motion-assets score`` prints, without pandas: the rows of score_lines.py, with the
values ``history_rows`` + ``score_rows`` give the same sequences on the full path.
"""

from __future__ import annotations

import numpy as np

from motion_assets.core.scoring.codebook_check import check_codebook
from motion_assets.core.scoring.identity import ScoringIdentity
from motion_assets.core.scoring.runtime_model import ScoringRuntime
from motion_assets.core.scoring.score_lines import JSONL_FIELDS
from motion_assets.core.sequences.facts import table_levels


def score_lines(runtime: ScoringRuntime, rows: list[dict], paths: list[str | None],
                identity: ScoringIdentity) -> list[dict]:
    """One JSONL row per sequence row (ingest.py ``read_plain_rows``; ``paths``: each row's
    file as printed)."""
    columns = {name: [row[name] for row in rows]
               for name in ("sequence_id", "codes", "content_hash", "codebook_levels")}
    sequences = [np.asarray(codes, dtype=np.int64) for codes in columns["codes"]]
    check_codebook(columns["sequence_id"], sequences, table_levels(columns),
                   runtime.codebook_size, runtime.codebook_levels)
    scores = runtime.score(sequences, [row.get("mean_latent") for row in rows])
    fixed = {"bundle_hash": identity.bundle_hash, "scoring_id": identity.scoring_id,
             "threshold": identity.threshold, "threshold_source": identity.threshold_source}
    lines = []
    for i, sequence_id in enumerate(columns["sequence_id"]):
        row = {"path": paths[i], "sequence_id": str(sequence_id),
               "cluster": int(scores["cluster"][i]),
               "probability": float(scores["probability"][i]),
               "outlier_score": float(scores["outlier_score"][i]),
               "unknown": bool(scores["unknown"][i]),
               "unknown_score": float(scores["unknown_score"][i]),
               "content_hash": columns["content_hash"][i], **fixed}
        lines.append({name: row[name] for name in JSONL_FIELDS})
    return lines

