"""The whole graph, ingest to online scores, at production sizes: wall time and peak memory per stage.

For each size it writes a synthetic tokenizer tree (``--variants`` variants of N segments, 50
per video, 300 labelled, 200 incoming), then materializes every asset of ``variant_pipeline``
and then ``online_scores`` (all incoming files), one variant after the other, on an embedded
instance of its own. Each stage (a step: ``code_sequences`` writes ``rejected_files`` too) runs in
a fresh process, so its peak RSS is its own; "rss_after_imports" is what a process holds before
the step starts (Python, dagster, torch, sklearn), the step's own cost is the difference.

Usage: python benchmarks/scale_benchmark.py --sizes 10000 50000 [--variants 1] [--out DIR]
       [--configs configs] [--threads 2] [--whole-job]
Prints one line per stage and a total per variant; no assertions. The growth column compares a
stage's seconds with the previous size's: N log N predicts about 5.7x from 10k to 50k and
4.5x from 50k to 200k.

``--whole-job`` measures what a user runs instead: ``motion-assets run`` over every variant of
the tree (each ``variant_pipeline`` run, then the scoring of the incoming files) on a fresh
embedded instance and storage, steps in parallel on Dagster's multiprocess executor
(``MOTION_ASSETS_EXECUTOR=multiprocess``, two at a time). It prints the wall time, the CPU
and peak RSS of the process tree (read from /proc once a second), and each step's start and
duration from the instance's event log.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

VARIANT_NAMES = ("epochs5_complete500_d01_m10_cb2048_stride4",
                 "epochs5_complete500_d02_m10_cb2048_stride4",
                 "epochs5_complete500_d03_m10_cb2048_stride4")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_tree(out: str, size: int, variants: int):
    """The synthetic tree; one already written (same seed, same spec) is reused."""
    from motion_assets.core.synthetic import SyntheticSpec, VariantSpec, write_tokenizer_output
    from motion_assets.core.synthetic.tree import GeneratedTree

    root = os.path.join(out, "data")
    names = VARIANT_NAMES[:variants]
    if os.path.exists(os.path.join(root, "ground_truth", "merge_map.json")):
        return GeneratedTree(*(Path(root) / part for part in ("", "inference", "labelled", "incoming",
                                                             "ground_truth")), names)
    specs = tuple(VariantSpec(name, camera=number, n_videos=size // 50, segments_per_video=50,
                              labelled=300, incoming_videos=4, incoming_segments_per_video=50)
                  for number, name in enumerate(names, start=1))
    spec = dataclasses.replace(SyntheticSpec.demo(seed=0), variants=specs)
    return write_tokenizer_output(root, spec)


def stages() -> list[list[str]]:
    """The steps of variant_pipeline in dependency order, then online_scores."""
    from motion_assets.definitions import defs
    from motion_assets.defs.jobs import variant_pipeline

    graph = defs.resolve_asset_graph()
    keys = variant_pipeline.selection.resolve(graph)
    steps, seen = [], set()
    for key in graph.toposorted_asset_keys:
        if key in keys and key not in seen:
            together = sorted(graph.get(key).execution_set_asset_keys & keys)
            seen.update(together)
            steps.append([k.to_user_string() for k in together])
    return steps if ["online_scores"] in steps else steps + [["online_scores"]]


def run_stage(args) -> None:
    """In a fresh process: materialize one step for one variant, print its figures as JSON."""
    from dagster import DagsterInstance, materialize

    from motion_assets.core.sequences.incoming_files import list_incoming
    from motion_assets.definitions import ASSETS
    from motion_assets.defs.config_files import run_config_from_folder
    from motion_assets.defs.resources import build_resources

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = _cpu_seconds()
    assets = args.run_stage.split(",")
    run_config = run_config_from_folder(args.configs, set(assets), json.loads(args.merge_map))
    if assets == ["online_scores"]:
        files = sorted(path for _, path in list_incoming(
            os.path.join(args.incoming_root, args.variant)).files)
        run_config = {"ops": {"online_scores": {"config": {"files": files}}}}
    resources = build_resources(inference_root=args.inference_root, labelled_root=args.labelled_root,
                                incoming_root=args.incoming_root, storage=args.storage)
    with DagsterInstance.from_config(args.home) as instance:
        instance.add_dynamic_partitions("dataset_variant", [args.variant])
        started = time.perf_counter()
        result = materialize(ASSETS, instance=instance, partition_key=args.variant,
                             resources=resources, selection=assets, run_config=run_config,
                             raise_on_error=False)
        seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"success": result.success, "seconds": seconds, "cpu_seconds": cpu,
                      "rss_after_imports_mb": baseline_kb / 1024, "peak_rss_mb": peak_kb / 1024}))


def _cpu_seconds() -> float:
    """User + system CPU of this process (all its threads) and of its finished children (a
    process pool's workers): comparable under load, unlike wall time."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def measure(size: int, variants: int, out: str, configs: str, threads: int, previous: dict) -> dict:
    folder = os.path.join(out, f"n{size}_v{variants}")
    started = time.perf_counter()
    tree = write_tree(folder, size, variants)
    print(f"\n# N={size} per variant, {variants} variant(s): tree ready in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    home = os.path.join(folder, "dagster_home")
    os.makedirs(home, exist_ok=True)
    env = {**os.environ, **{name: str(threads) for name in THREAD_VARIABLES},
           "PYTHONPATH": os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")]))}
    figures = {}
    for variant in tree.variants:
        total = total_cpu = 0.0
        for stage in stages():
            name = ",".join(stage)
            command = [sys.executable, __file__, "--run-stage", name, "--variant", variant,
                       "--home", home, "--storage", os.path.join(folder, "storage"),
                       "--inference-root", str(tree.inference_root),
                       "--labelled-root", str(tree.labelled_root),
                       "--incoming-root", str(tree.incoming_root), "--configs", configs,
                       "--merge-map", json.dumps(tree.merge_map())]
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            try:
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except (IndexError, ValueError):
                print(f"{name}: the stage process failed:\n{done.stderr[-2000:]}", flush=True)
                return figures
            total += result["seconds"]
            total_cpu += result["cpu_seconds"]
            figures[(variant, name)] = result["seconds"]
            before = previous.get((variant, name))
            growth = "" if before is None else f"  x{result['seconds'] / before:.1f}"
            print(f"{variant[:40]:<40} {name:<40} {result['seconds']:8.1f} s "
                  f"cpu {result['cpu_seconds']:8.1f} s "
                  f"peak {result['peak_rss_mb']:7.0f} MB (imports {result['rss_after_imports_mb']:5.0f})"
                  f"{growth}{'' if result['success'] else '  FAILED'}", flush=True)
            if not result["success"]:
                print(done.stderr[-3000:])
                return figures
        print(f"{variant[:40]:<40} {'TOTAL':<40} {total:8.1f} s cpu {total_cpu:8.1f} s",
              flush=True)
    return figures


def measure_job(size: int, variants: int, out: str, configs: str, threads: int) -> None:
    """``motion-assets run`` over the whole tree with the multiprocess executor (see the doc)."""
    folder = os.path.join(out, f"n{size}_v{variants}")
    tree = write_tree(folder, size, variants)
    home, storage = os.path.join(folder, "job_home"), os.path.join(folder, "job_storage")
    for fresh in (home, storage):
        shutil.rmtree(fresh, ignore_errors=True)
    os.makedirs(home)
    merge_map = os.path.join(folder, "merge_map.json")
    Path(merge_map).write_text(json.dumps(tree.merge_map()))
    env = {**os.environ, **{name: str(threads) for name in THREAD_VARIABLES},
           "DAGSTER_HOME": home, "MOTION_ASSETS_EXECUTOR": "multiprocess",
           "PYTHONPATH": os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")]))}
    command = [os.path.join(os.path.dirname(sys.executable), "motion-assets"), "run",
               "--inference-root", str(tree.inference_root), "--labelled-root", str(tree.labelled_root),
               "--incoming-root", str(tree.incoming_root), "--storage", storage,
               "--configs", configs, "--merge-map", merge_map]
    print(f"\n# N={size} per variant, {variants} variant(s): motion-assets run, multiprocess "
          f"executor, load average {os.getloadavg()}", flush=True)
    started = time.perf_counter()
    log_path = os.path.join(folder, "job.log")  # a file, not a pipe nobody reads until the end
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        usage = _TreeUsage(process.pid)
        while process.poll() is None:
            usage.sample()
            time.sleep(1.0)
    wall = time.perf_counter() - started
    print("\n".join(Path(log_path).read_text().strip().splitlines()[-12:]))
    _print_step_stats(home, usage.peak_kb)
    print(f"whole job: {'succeeded' if process.returncode == 0 else 'FAILED'} in {wall:.0f} s "
          f"({wall / 60:.1f} min) wall, cpu {usage.cpu_seconds():.0f} s, largest process "
          f"{usage.peak_rss_mb():.0f} MB, load average at end {os.getloadavg()}", flush=True)
    if process.returncode == 0:
        for variant in tree.variants:
            print_quality(tree, storage, variant)


def print_quality(tree, storage: str, variant: str, deployed_rows: int = 5_000) -> None:
    """What the run found, against the generator's ground truth: ARI of the HDBSCAN and GMM
    tables and of the deployed bundle (on a seeded draw of training clips) over the
    known-action clips, and how the bundle ranks the incoming clips of unseen actions."""
    import pandas as pd
    from sklearn.metrics import adjusted_rand_score, roc_auc_score

    from motion_assets.core.files.layout import StorageLayout
    from motion_assets.core.files.model_versions import read_current_version
    from motion_assets.core.scoring.bundle import bundle_from_bytes
    from motion_assets.core.scoring.score import score_sequences

    layout = StorageLayout(storage)
    sequences = pd.read_parquet(layout.table("code_sequences", variant))
    truth = _with_sequence_ids(tree.ground_truth(variant), sequences)
    action = truth[~truth["is_bad"] & ~truth["is_unknown"]].set_index("sequence_id")["action"]
    figures = {}
    for asset in ("hdbscan_clusters", "bayes_gmm_clusters"):
        clusters = pd.read_parquet(layout.table(asset, variant)).set_index("sequence_id")["cluster"]
        known = clusters.index.intersection(action.index)
        figures[asset] = adjusted_rand_score(action[known], clusters[known])
    known_rows = sequences[sequences["sequence_id"].isin(action.index)]
    drawn = known_rows.sample(min(deployed_rows, len(known_rows)), random_state=0)
    data, current = read_current_version(layout, "scoring_bundle", variant)
    scores = score_sequences(bundle_from_bytes(data, current.sha256), drawn)
    figures["deployed bundle"] = adjusted_rand_score(action[drawn["sequence_id"]], scores["cluster"])
    parts = layout.partition_folder("online_scores", variant)
    online = pd.concat([pd.read_parquet(part) for part in sorted(parts.glob("part-*.parquet"))])
    online = online.drop_duplicates("sequence_id").rename(columns={"path": "relative_path"})
    incoming = _with_sequence_ids(tree.ground_truth(variant, "incoming"), online)
    incoming = incoming[~incoming["is_bad"]]
    unseen = incoming["is_unknown"].to_numpy(bool)
    flagged = incoming["unknown"].to_numpy(bool)
    auroc = (roc_auc_score(unseen, incoming["unknown_score"]) if 0 < unseen.sum() < len(unseen)
             else float("nan"))
    print(f"quality {variant}: ARI on known-action clips "
          + ", ".join(f"{name} {value:.3f}" for name, value in figures.items())
          + f" ({len(drawn)} drawn for the bundle); incoming clips of actions the labels lack: "
          f"AUROC {auroc:.3f}, "
          f"flagged unseen {flagged[unseen].mean():.2f} / known {flagged[~unseen].mean():.2f} "
          f"({int(unseen.sum())} / {int((~unseen).sum())} clips)", flush=True)


def _with_sequence_ids(truth, table):
    """The ground truth's rows that ``table`` (relative_path, line, sequence_id, ...) holds,
    joined with the table's columns (``line`` is set for JSONL records only)."""
    keys = ["relative_path", "line"]
    truth = truth.assign(line=truth["line"].fillna(-1).astype(int))
    table = table.assign(line=table["line"].fillna(-1).astype(int)).drop_duplicates("sequence_id")
    return truth.merge(table[[c for c in table.columns if c not in truth or c in keys]], on=keys)


class _TreeUsage:
    """CPU seconds and peak RSS of a process and its descendants, sampled from /proc."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.cpu: dict[int, float] = {}
        self.peak_kb: dict[int, int] = {}
        self.tick = os.sysconf("SC_CLK_TCK")

    def sample(self) -> None:
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / self.tick)
        for pid, (_, cpu) in parents.items():
            ancestor = pid
            while ancestor in parents and ancestor != self.root:
                ancestor = parents[ancestor][0]
            if ancestor == self.root:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), _peak_kb(pid))

    def cpu_seconds(self) -> float:
        return sum(self.cpu.values())

    def peak_rss_mb(self) -> float:
        return max(self.peak_kb.values(), default=0) / 1024


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _print_step_stats(home: str, peak_kb: dict[int, int]) -> None:
    """Each run's steps: start (seconds after the first step of any run), duration, and the
    step process's peak RSS (its pid from the step's start event; "-" if it never lived
    through a sample of ``peak_kb``)."""
    from dagster import DagsterEventType, DagsterInstance, RunsFilter

    with DagsterInstance.from_config(home) as instance:
        runs = list(reversed(instance.get_runs(RunsFilter())))
        stats = {run.run_id: [s for s in instance.get_run_step_stats(run.run_id) if s.start_time]
                 for run in runs}
        first = min((s.start_time for steps in stats.values() for s in steps), default=0.0)
        for run in runs:
            pids = {record.step_key: record.dagster_event.pid for record in
                    instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_START)}
            print(f"run {run.job_name} {run.tags.get('dagster/partition', '')}: {run.status.value}")
            for step in sorted(stats[run.run_id], key=lambda s: s.start_time):
                took = (step.end_time or step.start_time) - step.start_time
                peak = peak_kb.get(pids.get(step.step_key), 0) / 1024
                print(f"    {step.step_key:<48} starts {step.start_time - first:7.0f} s  "
                      f"takes {took:7.1f} s  peak {f'{peak:.0f} MB' if peak else '-':>8}",
                      flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--variants", type=int, default=1, choices=(1, 2, 3))
    parser.add_argument("--out", default=os.path.join(REPO, "benchmarks", "out", "scale"))
    parser.add_argument("--configs", default=os.path.join(REPO, "configs"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--whole-job", action="store_true",
                        help="time motion-assets run with the multiprocess executor instead")
    for flag in ("--run-stage", "--variant", "--home", "--storage", "--inference-root",
                 "--labelled-root", "--incoming-root", "--merge-map"):
        parser.add_argument(flag, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_stage:
        run_stage(args)
        return
    print(f"load average at start: {os.getloadavg()}, cores: {os.cpu_count()}")
    if args.whole_job:
        for size in args.sizes:
            measure_job(size, args.variants, args.out, args.configs, args.threads)
        return
    previous: dict = {}
    for size in args.sizes:
        previous = {(v, s): t for (v, s), t in measure(
            size, args.variants, args.out, args.configs, args.threads, previous).items()}
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
