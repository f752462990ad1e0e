"""Reader throughput on one big generated variant: project reader vs a one-off script vs the floor.

    python benchmarks/ingest_benchmark.py --files 100000 [--data benchmarks/out/ingest] [--cold]

Each method runs in its own process so that peak memory (max RSS, including worker
processes) is its own. Methods, all over the same files:
  floor     list the tree and read every file's bytes (bare os.read), no parsing
  baseline  json.load per file, Python loops to validate, pandas DataFrame, Parquet
  project   motion_assets.core.ingest.read_sequence_folder (validation included) + Parquet
With --cold, the page cache is dropped before each method (needs root; skipped otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from motion_assets.core.synthetic import SyntheticSpec, write_tokenizer_output
from motion_assets.core.synthetic.spec import MAIN_VARIANT

METHODS = ("floor", "baseline", "project")


def files_under(root: str) -> list[str]:
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


def floor(root: str, out: str) -> int:
    from motion_assets.core.sequences.ingest import (
        read_file_bytes,  # the fastest whole-file read we know
    )

    count = 0
    for path in files_under(root):
        read_file_bytes(path)
        count += 1
    return count


def baseline(root: str, out: str) -> int:
    """What a one-off script does: json.load each sidecar, check codes in loops, pandas."""
    import pandas as pd

    rows, rejected, count = [], [], 0
    for path in files_under(root):
        if not path.endswith(".codes.json"):
            continue
        count += 1
        try:
            with open(path) as handle:
                document = json.load(handle)
            windows = document["codes_windows"]
            flat = []
            for window in windows:
                if len(window) != len(windows[0]):
                    raise ValueError("ragged")
                for code in window:
                    if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code < 2048:
                        raise ValueError(f"bad code {code!r}")
                    flat.append(code)
            if not flat:
                raise ValueError("empty")
            rows.append({"sequence_id": os.path.relpath(path, root), "codes": flat,
                         "window_count": len(windows), "codes_per_window": len(windows[0])})
        except (ValueError, KeyError, TypeError) as error:
            rejected.append((path, str(error)))
    pd.DataFrame(rows).to_parquet(out)
    return count


def project(root: str, out: str) -> int:
    import pyarrow.parquet as pq

    from motion_assets.core.sequences.ingest import read_sequence_folder
    from motion_assets.core.sequences.reader import CodebookSettings

    result = read_sequence_folder(root, CodebookSettings(variant=MAIN_VARIANT))
    pq.write_table(result.sequences, out, compression="zstd")
    return result.files_seen


def drop_page_cache() -> bool:
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as handle:
            handle.write("3\n")
        return True
    except OSError:
        return False


def run_one(method: str, root: str, out: str) -> None:
    started = time.perf_counter()
    count = globals()[method](root, out)
    seconds = time.perf_counter() - started
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"method": method, "files": count, "seconds": seconds, "peak_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--data", default="benchmarks/out/ingest")
    parser.add_argument("--cold", action="store_true", help="drop the page cache before each method")
    parser.add_argument("--method", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:
        run_one(args.method, args.root, os.path.join(args.data, f"{args.method}.parquet"))
        return
    data = Path(args.data) / f"files_{args.files}"
    root = data / "inference" / MAIN_VARIANT
    if not root.is_dir():
        started = time.perf_counter()
        write_tokenizer_output(data, SyntheticSpec.benchmark(args.files))
        print(f"generated {args.files} segment files in {time.perf_counter() - started:.0f} s")
    cache = "cold" if args.cold else "warm"
    if not args.cold:
        floor(str(root), "")  # warm the page cache once for every method
    results = {}
    for method in METHODS:
        if args.cold and not drop_page_cache():
            print("cannot drop the page cache (needs root): cold figures skipped")
            return
        line = subprocess.run(
            [sys.executable, __file__, "--method", method, "--root", str(root), "--data", str(data)],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
        results[method] = json.loads(line)
    # every method walks the same tree: rates are segment files per second for all of them
    segments = sum(1 for path in files_under(str(root)) if path.endswith(".codes.json"))
    print(f"\n{cache} cache, {os.cpu_count()} CPUs, {segments} segment files "
          f"({results['floor']['files']} files in the tree)")
    print(f"{'method':<10}{'files/s':>10}{'seconds':>10}{'peak MB':>10}{'vs floor':>10}")
    floor_rate = segments / results["floor"]["seconds"]
    for method, result in results.items():
        rate = segments / result["seconds"]
        print(f"{method:<10}{rate:>10.0f}{result['seconds']:>10.1f}{result['peak_mb']:>10.0f}"
              f"{rate / floor_rate:>10.2f}")


if __name__ == "__main__":
    main()
