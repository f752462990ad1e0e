"""Cursor bytes and tick seconds of new_tokenizer_output_sensor as the incoming tree grows.

    python benchmarks/sensor_benchmark.py [--files 10000 100000 1000000] [--new 200] [--repeat 3]

For each size it writes that many empty ``*.codes.json`` files (25 per video folder) in a
temporary folder, deleted afterwards, registers the variant and a scoring bundle record in
an ephemeral Dagster instance, and times real ticks of the sensor:

  steady     every file already scored (the frontier at the newest file), nothing new
  new        ``--new`` files added since; the tick requests them
  previous   the cursor the sensor had before issue #9: every path with its mtime (bytes only)
  floor      one bare walk of the tree with a stat per file (os.scandir), no sensor logic

Ticks are timed ``--repeat`` times (the best is reported, then the median) on a loaded
shared machine, so compare a tick with the floor measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time

from dagster import AssetKey, AssetMaterialization, DagsterInstance, build_sensor_context

from motion_assets.core.scoring.incoming_queue import VariantQueue
from motion_assets.core.sequences.incoming_files import list_incoming
from motion_assets.defs.resources import IncomingWatch, TokenizerFolders
from motion_assets.defs.scoring.sensors import new_tokenizer_output_sensor

VARIANT = "stream_cb2048"
PER_VIDEO = 25


def write_empty_files(folder: str, start: int, count: int) -> None:
    for index in range(start, start + count):
        video = os.path.join(folder, f"D{index // PER_VIDEO:07d}", "code_indices")
        if index % PER_VIDEO == 0 or index == start:
            os.makedirs(video, exist_ok=True)
        with open(os.path.join(video, f"segment_{index % PER_VIDEO:04d}_startwin_{index:09d}.codes.json"), "wb"):
            pass


def floor_seconds(folder: str) -> float:
    started = time.perf_counter()
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    entry.stat()
    return time.perf_counter() - started


def previous_cursor_bytes(files: list[tuple[int, str]]) -> int:
    seen = {path: changed for changed, path in files}  # every path with its time, as before
    return len(json.dumps({VARIANT: seen}, sort_keys=True))


def timed_tick(instance, root: str, cursor: str | None) -> tuple[float, object]:
    context = build_sensor_context(
        instance=instance, cursor=cursor,
        resources={"folders": TokenizerFolders(inference_root=root, incoming_root=root),
                   "incoming_watch": IncomingWatch(settle_seconds=0)},
    )
    started = time.perf_counter()
    result = new_tokenizer_output_sensor(context)
    return time.perf_counter() - started, result


def measure(instance, files: int, new: int, repeat: int) -> dict:
    root = tempfile.mkdtemp(prefix="sensor-benchmark-")
    try:
        folder = os.path.join(root, VARIANT)
        write_empty_files(folder, 0, files)
        listed = list_incoming(folder).files
        newest = max(listed)
        steady_cursor = json.dumps({VARIANT: VariantQueue(frontier=newest).to_json()})
        steady = [timed_tick(instance, root, steady_cursor)[0] for _ in range(repeat)]
        time.sleep(0.01)
        write_empty_files(folder, files, new)
        ticks = [timed_tick(instance, root, steady_cursor) for _ in range(repeat)]
        requested = sum(len(r.run_config["ops"]["online_scores"]["config"]["files"])
                        for r in ticks[0][1].run_requests)
        floors = [floor_seconds(folder) for _ in range(repeat)]
        return {"files": files, "steady_s": steady, "new_s": [t for t, _ in ticks],
                "requested": requested, "cursor_bytes": len(ticks[0][1].cursor),
                "previous_cursor_bytes": previous_cursor_bytes(listed), "floor_s": floors}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a timeout still deletes the files
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("dataset_variant", [VARIANT])
        instance.report_runless_asset_event(AssetMaterialization(
            AssetKey("scoring_bundle"), partition=VARIANT, metadata={"content_hash": "0" * 64}))
        print("files      steady tick s (best/median)  new tick s (best/median)  floor s (best)"
              "  requested  cursor B  previous cursor B")
        for files in args.files:
            row = measure(instance, files, args.new, args.repeat)
            print(f"{row['files']:>9,}  {min(row['steady_s']):>8.2f} / {statistics.median(row['steady_s']):<8.2f}"
                  f"            {min(row['new_s']):>8.2f} / {statistics.median(row['new_s']):<8.2f}"
                  f"         {min(row['floor_s']):>6.2f}  {row['requested']:>9}  {row['cursor_bytes']:>8,}"
                  f"  {row['previous_cursor_bytes']:>17,}", flush=True)


if __name__ == "__main__":
    main()
