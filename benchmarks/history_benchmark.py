"""What one scoring run reads of the online_scores history as the history grows.

    python benchmarks/history_benchmark.py [--parts 50 500 2500] [--rows-per-part 200] [--repeat 3]

Writes parts of synthetic rows (no model: the figures are of the history alone) with
``append_part`` into a temporary folder, deleted afterwards, and times, at each size, what a
run of ``online_scores`` does besides scoring its batch, against the baseline of reading the
whole history once (what every run did before):

  whole history   read_history(SUMMARY_COLUMNS) of every part + history_counts (the baseline)
  batch read      read_history(SUMMARY_COLUMNS, paths=...) for a batch of ``--rows-per-part``
                  paths, half already scored (in the newest parts), half new
  carry counts    carried_summary from the previous run's metadata (a listing of the folder)
                  + summary_after the batch's part
  recent window   recent_scores(500): the newest parts only

The first batch read after new parts also reads their footers into the part-range cache; the
best of ``--repeat`` is shown with the median. The machine is shared and loaded: compare a
row's figures with its baseline.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from functools import partial

import pandas as pd

from motion_assets.core.scoring.history import (
    HISTORY_SCHEMA,
    SUMMARY_COLUMNS,
    AppendResult,
    append_part,
    read_history,
)
from motion_assets.core.scoring.history_summary import (
    carried_summary,
    history_counts,
    recent_scores,
    summarize,
    summary_after,
)
from motion_assets.core.scoring.part_index import part_names

SCORING_ID = "s"


def synthetic_part(part: int, rows: int) -> pd.DataFrame:
    frame = HISTORY_SCHEMA.empty_table().to_pandas().reindex(range(rows))
    frame["path"] = [f"D{part:06d}/segment_{i:04d}.codes.json" for i in range(rows)]
    frame["sequence_id"] = frame["path"].str.removesuffix(".codes.json")
    frame["line"] = 0
    for column in ("cluster", "best_cluster"):
        frame[column] = part % 5
    for column in ("probability", "soft_probability", "outlier_score", "novelty", "unknown_score", "threshold"):
        frame[column] = 0.5
    frame["is_noise"] = frame["unknown"] = frame["noise_is_unknown"] = False
    frame["content_hash"], frame["scoring_id"], frame["bundle_hash"] = "c", SCORING_ID, "b"
    frame["threshold_source"], frame["run_id"] = "bundle", f"run-{part}"
    frame["scored_at"] = pd.Timestamp.now(tz="UTC")
    return frame


def timed(work, repeat: int):
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def batch_rows(parts: int, rows: int) -> pd.DataFrame:
    """A batch: half re-scores of the newest part's files, half new files."""
    again = synthetic_part(parts - 1, rows // 2)
    new = synthetic_part(parts + 10**5, rows - rows // 2)
    batch = pd.concat([again, new], ignore_index=True)
    batch["run_id"], batch["content_hash"] = "run-batch", "c2"
    return batch


def whole_history_counts(folder: str):
    return history_counts(read_history(folder, SUMMARY_COLUMNS))


def carry_counts(previous: dict, folder: str, appended: AppendResult):
    return summary_after(carried_summary(previous, folder, SCORING_ID), appended)


def figures(seconds: list[float]) -> str:
    return f"{min(seconds):.3f}/{statistics.median(seconds):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, nargs="+", default=[50, 500, 2500])
    parser.add_argument("--rows-per-part", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="history-benchmark-")
    folder = f"{root}/history"  # its part-range cache goes beside it, inside root
    try:
        print("seconds best/median; repeat", args.repeat)
        print(f"{'parts':>5}  {'rows':>9}  {'whole history':>14}  {'batch read':>12}  {'carry counts':>12}"
              f"  {'recent window':>13}  batch rows read")
        for parts in args.parts:
            for part in range(len(part_names(folder)), parts):
                append_part(folder, synthetic_part(part, args.rows_per_part))
            whole, history = timed(partial(whole_history_counts, folder), 1)
            previous = summarize(folder, SCORING_ID).as_metadata()  # what the previous run recorded
            batch = batch_rows(parts, args.rows_per_part)
            read, before = timed(partial(read_history, folder, SUMMARY_COLUMNS, paths=batch["path"]), args.repeat)
            carry, _ = timed(partial(carry_counts, previous, folder, AppendResult(batch, None, 0, before)),
                             args.repeat)
            recent, _ = timed(partial(recent_scores, folder, 500), args.repeat)
            print(f"{parts:>5}  {history.history_rows:>9,}  {whole[0]:>14.2f}  {figures(read):>12}"
                  f"  {figures(carry):>12}  {figures(recent):>13}  {len(before):>15}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
