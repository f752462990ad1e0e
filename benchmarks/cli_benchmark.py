"""`motion-assets score` of one file: process wall and CPU with the runtime export and without.

Usage: python benchmarks/cli_benchmark.py FILE --variant V --storage S [--repeats 5] [--codes]

S holds a materialized ``scoring_bundle`` for V (``motion-assets generate``, then
``motion-assets run --select '+key:scoring_bundle'``). When the current bundle has no runtime
export yet, one is written first (runtime_export.py; a bundle the runtime does not cover stops
the benchmark); the model it deploys is printed from the export. With ``--codes`` the file's
codes are given on the command line (``score --codes ...``) instead of the file. Then,
alternating run by run in fresh processes:

  runtime     the export beside the bundle: the numpy scoring runtime (no torch, sklearn)
  full path   the export moved aside for the run: the bundle unpickled, torch and sklearn
  --help      ``motion-assets --help``

Each line is one process: wall (perf_counter around it) and CPU (user + sys of the child,
from wait4). Then the JSONL of the two paths compared byte for byte, and per float field the
largest difference when they differ. Prints the load average: the machine may be shared.
Prints figures; no assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _command() -> list[str]:
    script = Path(sys.executable).with_name("motion-assets")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from motion_assets.cli import entry; entry()"]


def _run(argv: list[str]) -> tuple[float, float, bytes, bytes]:
    """(wall s, CPU s, stdout, stderr): CPU from the children totals around one child."""
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, done.stdout, done.stderr


def _ensure_export(storage: str, variant: str) -> Path:
    from motion_assets.core.files.layout import StorageLayout
    from motion_assets.core.files.model_versions import read_current_version
    from motion_assets.core.scoring.runtime_file import export_path

    layout = StorageLayout(storage)
    data, current = read_current_version(layout, "scoring_bundle", variant)
    path = Path(export_path(layout, variant, current.sha256).path)
    if not path.exists():
        from motion_assets.core.scoring.bundle import bundle_from_bytes
        from motion_assets.core.scoring.runtime_export import publish_runtime_export

        bundle = bundle_from_bytes(data, current.sha256)
        written = publish_runtime_export(layout, variant, bundle, current.sha256)
        print(f"export written: {written}")
        if written.startswith("none:"):
            sys.exit(f"bundle {bundle.featurizer_name} x {bundle.clusterer}: no runtime export")
    return path


def _model(export: Path, storage: str, variant: str) -> str:
    """The deployed featurizer x clusterer as the export's settings name them."""
    from upath import UPath

    from motion_assets.core.files.layout import StorageLayout
    from motion_assets.core.files.manifest import read_current
    from motion_assets.core.scoring.runtime_file import read_export

    current = read_current(StorageLayout(storage), "scoring_bundle", variant)
    _, settings = read_export(UPath(str(export)), current.sha256)

    def view(spec: dict) -> str:
        parts = [view(child) for child in spec.get("views", [])]
        parts += [view(spec["base"])] if "base" in spec else []
        return spec["kind"] + (f"({', '.join(parts)})" if parts else "")

    return f"{view(settings['featurizer'])} x {settings['pipeline']['clusterer']}"


def _file_codes(path: str) -> str:
    """The codes of a ``.codes.json`` file as ``--codes`` takes them."""
    windows = json.loads(Path(path).read_text())["codes_windows"]
    return ",".join(str(code) for window in windows for code in window)


def _differences(runtime: bytes, full: bytes) -> str:
    if runtime == full:
        return "JSONL byte-identical"
    lines = []
    for ours, theirs in zip(runtime.splitlines(), full.splitlines(), strict=True):
        a, b = json.loads(ours), json.loads(theirs)
        for field in a:
            if a[field] != b[field]:
                gap = (f"{abs(a[field] - b[field]):.1e}" if isinstance(a[field], float)
                       else f"{a[field]!r} vs {b[field]!r}")
                lines.append(f"  {field}: {a[field]!r} (runtime) vs {b[field]!r} (full path), {gap}")
    return "JSONL differs:\n" + "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file")
    parser.add_argument("--variant", required=True)
    parser.add_argument("--storage", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--codes", action="store_true",
                        help="give the file's codes on the command line instead of the file")
    args = parser.parse_args()
    export = _ensure_export(args.storage, args.variant)
    print(f"deployed: {_model(export, args.storage, args.variant)}")
    aside = export.with_name(export.name + ".aside")
    given = ["--codes", _file_codes(args.file)] if args.codes else [args.file]
    score = [*_command(), "score", *given, "--variant", args.variant, "--storage", args.storage]
    print(f"load average before: {os.getloadavg()}")
    outputs = {}
    try:
        for _ in range(args.repeats):
            for name in ("runtime", "full path", "--help"):
                if name == "full path":
                    shutil.move(export, aside)
                try:
                    argv = [*_command(), "--help"] if name == "--help" else score
                    wall, cpu, out, err = _run(argv)
                finally:
                    if name == "full path":
                        shutil.move(aside, export)
                outputs[name] = out
                note = err.decode().strip().splitlines()[-1] if err.strip() else ""
                print(f"{name:10s} wall {wall:5.2f} s  CPU {cpu:5.2f} s  {note if name != '--help' else ''}")
    finally:
        if aside.exists():
            shutil.move(aside, export)
    print(f"load average after: {os.getloadavg()}")
    print(_differences(outputs["runtime"], outputs["full path"]))


if __name__ == "__main__":
    main()
