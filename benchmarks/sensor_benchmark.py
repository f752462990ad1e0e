"""Cursor bytes and tick seconds of new_tokenizer_output_sensor as the incoming tree grows.

    python benchmarks/sensor_benchmark.py --tree DIR [--files 10000 100000 1000000] [--new 200] [--repeat 3]

For each size it writes that many empty ``*.codes.json`` files (25 per video folder, in
``<video>/code_indices/``) under ``DIR/files-<size>/`` once and reuses them on later runs
(``DIR`` is yours to delete). It registers the variant and a scoring bundle record in an
ephemeral Dagster instance, keeps the sensor's remembered folders in a temporary storage
folder (deleted afterwards), and times real ticks, wall and CPU seconds of this process:

  floor    one bare walk of the tree with a stat per entry (os.scandir), no sensor logic:
           what any tick that stats every file costs at least (the tick before this change)
  first    the first tick: nothing remembered yet, every folder is read (every file scored
           already: the frontier at the newest file)
  steady   later ticks with nothing new (best / median of ``--repeat``)
  new      ``--new`` files added before each tick, in new video folders and one old one;
           the tick requests them (best / median of ``--repeat``)

It also prints the cursor's bytes and those of the remembered-folders file beside the
history. The machine is shared and loaded: compare a tick with the floor of the same row.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time

from dagster import AssetKey, AssetMaterialization, DagsterInstance, build_sensor_context

from motion_assets.core.scoring.history import incoming_tree_file
from motion_assets.core.scoring.incoming_queue import VariantQueue
from motion_assets.defs.resources import IncomingWatch, TokenizerFolders
from motion_assets.defs.scoring.sensors import new_tokenizer_output_sensor
from motion_assets.defs.storage import PreviousTables

VARIANT = "stream_cb2048"
PER_VIDEO = 25
COMPLETE_MARK = ".complete"  # a hidden file: the sensor skips it


def write_empty_files(folder: str, start: int, count: int, prefix: str = "D") -> None:
    for index in range(start, start + count):
        video = os.path.join(folder, f"{prefix}{index // PER_VIDEO:07d}", "code_indices")
        if index % PER_VIDEO == 0 or index == start:
            os.makedirs(video, exist_ok=True)
        with open(os.path.join(video, f"segment_{index % PER_VIDEO:04d}_startwin_{index:09d}.codes.json"), "wb"):
            pass


def built_tree(base: str, files: int) -> str:
    """``base/files-<files>/``, with ``files`` empty files below its variant folder (built once)."""
    root = os.path.join(base, f"files-{files}")
    if not os.path.exists(os.path.join(root, COMPLETE_MARK)):
        shutil.rmtree(root, ignore_errors=True)
        write_empty_files(os.path.join(root, VARIANT), 0, files)
        open(os.path.join(root, COMPLETE_MARK), "wb").close()
    return root


def timed(work):
    """(wall s, CPU s of this process, result) of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def walk_with_stats(folder: str) -> int:
    entries_seen, stack = 0, [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                entries_seen += 1
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    entry.stat()
    return entries_seen


def tick(instance, root: str, storage: str, cursor: str):
    context = build_sensor_context(
        instance=instance, cursor=cursor,
        resources={"folders": TokenizerFolders(inference_root=root, incoming_root=root),
                   "previous_tables": PreviousTables(base_path=storage),
                   "incoming_watch": IncomingWatch(settle_seconds=0, walk_budget_seconds=1e9)},
    )
    return timed(lambda: new_tokenizer_output_sensor(context))


def frontier_after(result) -> list:
    """The frontier once the tick's requested runs succeeded: the last key of its batches."""
    batches = json.loads(result.cursor)[VARIANT]["batches"]
    return max(batch[1] for batch in batches)


def requested(result) -> int:
    return sum(len(r.run_config["ops"]["online_scores"]["config"]["files"]) for r in result.run_requests)


def measure(instance, base: str, files: int, new: int, repeat: int) -> dict:
    root = built_tree(base, files)
    folder = os.path.join(root, VARIANT)
    old_folder = os.path.join(folder, "D0000000", "code_indices")
    for name in os.listdir(folder):  # the new files of an earlier run
        if name.startswith("N"):
            shutil.rmtree(os.path.join(folder, name))
    for name in os.listdir(old_folder):
        if name.startswith("extra"):
            os.unlink(os.path.join(old_folder, name))
    floor = [timed(lambda: walk_with_stats(folder)) for _ in range(repeat)]
    storage = tempfile.mkdtemp(prefix="sensor-benchmark-storage-")
    try:
        everything_done = json.dumps({VARIANT: VariantQueue(frontier=(time.time_ns(), "")).to_json()})
        first = tick(instance, root, storage, everything_done)
        steady = [tick(instance, root, storage, everything_done) for _ in range(repeat)]
        cursor, ticks = everything_done, []
        for attempt in range(repeat):
            write_empty_files(folder, attempt * new, new - 1, prefix="N")  # new video folders
            open(os.path.join(old_folder, f"extra_{attempt}.codes.json"), "wb").close()
            ticks.append(tick(instance, root, storage, cursor))
            queue = VariantQueue(frontier=tuple(frontier_after(ticks[-1][2])))
            cursor = json.dumps({VARIANT: queue.to_json()})
        tree_bytes = os.path.getsize(incoming_tree_file(storage, VARIANT))
    finally:
        shutil.rmtree(storage, ignore_errors=True)
    return {"files": files, "floor": floor, "first": first, "steady": steady, "new": ticks,
            "requested": requested(ticks[0][2]), "cursor_bytes": len(ticks[0][2].cursor),
            "tree_bytes": tree_bytes}


def seconds(runs) -> str:
    walls = [wall for wall, _, _ in runs]
    cpus = [cpu for _, cpu, _ in runs]
    return f"{min(walls):.2f}/{statistics.median(walls):.2f} (cpu {min(cpus):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True, help="folder for the generated trees, reused by later runs")
    parser.add_argument("--files", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("dataset_variant", [VARIANT])
        instance.report_runless_asset_event(AssetMaterialization(
            AssetKey("scoring_bundle"), partition=VARIANT, metadata={"content_hash": "0" * 64}))
        print("wall seconds best/median (cpu seconds of the best), repeat", args.repeat)
        print(f"{'files':>9}  {'floor (walk+stat)':>24}  {'first tick':>18}  {'steady tick':>24}"
              f"  {'tick with new files':>24}  requested  cursor B  tree file B")
        for files in args.files:
            row = measure(instance, args.tree, files, args.new, args.repeat)
            first_wall, first_cpu, _ = row["first"]
            print(f"{row['files']:>9,}  {seconds(row['floor']):>24}  {first_wall:>7.2f} (cpu {first_cpu:.2f})"
                  f"  {seconds(row['steady']):>24}  {seconds(row['new']):>24}  {row['requested']:>9}"
                  f"  {row['cursor_bytes']:>8,}  {row['tree_bytes']:>11,}", flush=True)


if __name__ == "__main__":
    main()
