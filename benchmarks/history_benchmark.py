"""What one scoring run reads of the online_scores history as the history grows.

    python benchmarks/history_benchmark.py [--parts 50 500 2500] [--rows-per-part 200]

Writes parts of synthetic rows (no model: the figures are of the history alone) with
``append_part`` into a temporary folder, deleted afterwards, and times what each run of
``online_scores`` does besides scoring its batch: ``read_history(SUMMARY_COLUMNS)`` (the
unchanged-file check and the counts read it) and ``history_counts``. Writing a part depends
on the batch only; these two grow with the history.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from motion_assets.core.scoring.history import (
    HISTORY_SCHEMA,
    SUMMARY_COLUMNS,
    append_part,
    history_counts,
    read_history,
)


def synthetic_part(part: int, rows: int) -> pd.DataFrame:
    frame = HISTORY_SCHEMA.empty_table().to_pandas().reindex(range(rows))
    frame["path"] = [f"D{part:06d}/segment_{i:04d}.codes.json" for i in range(rows)]
    frame["sequence_id"] = frame["path"].str.removesuffix(".codes.json")
    for column in ("cluster", "best_cluster"):
        frame[column] = 0
    for column in ("probability", "soft_probability", "outlier_score", "novelty", "unknown_score", "threshold"):
        frame[column] = 0.5
    frame["is_noise"] = frame["unknown"] = frame["noise_is_unknown"] = False
    frame["content_hash"], frame["scoring_id"], frame["bundle_hash"] = "c", "s", "b"
    frame["threshold_source"], frame["run_id"] = "bundle", f"run-{part}"
    frame["scored_at"] = pd.Timestamp.now(tz="UTC")
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, nargs="+", default=[50, 500, 2500])
    parser.add_argument("--rows-per-part", type=int, default=200)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="history-benchmark-")
    try:
        print("parts  rows      write one part s  read summary s  counts s")
        for parts in args.parts:
            for part in range(len(list(Path(folder).glob("*.parquet"))), parts):
                started = time.perf_counter()
                append_part(folder, synthetic_part(part, args.rows_per_part))
                write = time.perf_counter() - started
            started = time.perf_counter()
            history = read_history(folder, SUMMARY_COLUMNS)
            read = time.perf_counter() - started
            started = time.perf_counter()
            history_counts(history)
            counts = time.perf_counter() - started
            print(f"{parts:>5}  {len(history):>8,}  {write:>16.3f}  {read:>14.2f}  {counts:>8.2f}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
