"""``motion-assets run``: materialize the asset graph for every variant of a folder."""

from __future__ import annotations

import json
import os
import sys
import time

from motion_assets.cli.dagster_home import ensure_dagster_home


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "run", help="register the variants of an inference root and materialize their assets"
    )
    parser.add_argument("--inference-root", required=True, help="folder with one folder per variant")
    parser.add_argument("--labelled-root", help="hand-labelled subset (<root>/<variant>/<label>/...)")
    parser.add_argument("--incoming-root", help="folder the scoring sensor watches")
    parser.add_argument("--variant", action="append", help="only this variant (repeatable)")
    parser.add_argument("--storage", help="where tables and models go (folder or fsspec URL)")
    parser.add_argument("--select", help="Dagster asset selection, e.g. 'key:code_sequences+'")
    parser.add_argument("--configs", default="configs", help="folder of YAML configs (default: configs)")
    parser.add_argument("--merge-map", help="JSON file of raw label -> label, added to the config's map")
    parser.set_defaults(handler=run)


def _variants(args) -> list[str]:
    from motion_assets.core.sequences.folder_state import scan_variant_folders
    from motion_assets.core.sequences.variants import validate_variant_name

    if args.variant:
        for variant in args.variant:
            validate_variant_name(variant)
            if not os.path.isdir(os.path.join(args.inference_root, variant)):
                raise SystemExit(f"error: no folder {variant!r} under {args.inference_root}")
        return args.variant
    scan = scan_variant_folders(args.inference_root)
    for name, why in scan.refused.items():
        print(f"skipping folder {name!r}: {why}", file=sys.stderr)
    return sorted(scan.fingerprints)


def run(args) -> int:
    ensure_dagster_home()
    if not os.path.isdir(args.inference_root):
        print(f"error: inference root {args.inference_root} does not exist", file=sys.stderr)
        return 2

    from dagster import AssetSelection, DagsterInstance, materialize

    from motion_assets.definitions import ASSETS, defs
    from motion_assets.defs.jobs import variant_pipeline
    from motion_assets.defs.partitions import dataset_variants
    from motion_assets.defs.resources import build_resources

    storage = args.storage or os.environ.get("MOTION_ASSETS_STORAGE", "data/storage")
    resources = build_resources(
        inference_root=args.inference_root, labelled_root=args.labelled_root,
        incoming_root=args.incoming_root, storage=storage,
    )
    variants = _variants(args)
    if not variants:
        print(f"error: no variant folder under {args.inference_root}", file=sys.stderr)
        return 2
    graph = defs.resolve_asset_graph()
    selection = AssetSelection.from_string(args.select) if args.select else variant_pipeline.selection
    selected = selection.resolve(graph)
    if not selected:
        print(f"error: selection {args.select!r} matches no asset", file=sys.stderr)
        return 2
    try:
        run_config = _run_config(args, {key.to_user_string() for key in selected})
    except ValueError as error:  # ConfigError, or a --merge-map that is not JSON
        print(f"error: {error}", file=sys.stderr)
        return 2
    # progress: our own lines plus the assets' info logs (epochs...), not Dagster's debug events
    run_config["loggers"] = {"console": {"config": {"log_level": "INFO"}}}
    instance = DagsterInstance.get()
    known = set(instance.get_dynamic_partitions(dataset_variants.name))
    instance.add_dynamic_partitions(dataset_variants.name, [v for v in variants if v not in known])
    print(f"DAGSTER_HOME={os.environ['DAGSTER_HOME']}  storage={storage}")
    print(f"{len(variants)} variant(s), {len(selected)} asset(s): "
          + ", ".join(sorted(k.to_user_string() for k in selected)))
    summaries = []
    for number, variant in enumerate(variants, start=1):
        print(f"[{number}/{len(variants)}] {variant} ...", flush=True)
        started = time.perf_counter()
        result = materialize(
            ASSETS, instance=instance, partition_key=variant, resources=resources,
            selection=selection, run_config=run_config, raise_on_error=False,
            tags={"motion_assets/launched_by": "motion-assets run"},
        )
        if not result.success:
            _print_failure(result, variant)
            return 1
        summaries.append((variant, result, time.perf_counter() - started))
    _print_summary(summaries, storage)
    return 0


def _run_config(args, op_names: set[str]) -> dict:
    """Run config from --configs and --merge-map; ignored keys and replaced settings printed once."""
    from motion_assets.core.config import ConfigError, ConfigNotes
    from motion_assets.defs.config_files import run_config_from_folder

    merge_map = None
    if args.merge_map:
        try:
            with open(args.merge_map) as handle:
                merge_map = json.load(handle)
        except (OSError, ValueError) as error:
            raise ConfigError(f"--merge-map {args.merge_map}: {error}") from None
        if not isinstance(merge_map, dict):
            raise ConfigError(f"--merge-map {args.merge_map}: must hold a JSON object")
    notes = ConfigNotes()
    run_config = run_config_from_folder(args.configs, op_names, merge_map, notes)
    if notes.ignored:
        print(f"configs: ignored (not used here): {', '.join(notes.ignored)}", file=sys.stderr)
    for line in notes.replaced:
        print(f"configs: warning: {line}", file=sys.stderr)
    return run_config


def _print_failure(result, variant: str) -> None:
    from dagster import AssetCheckSeverity

    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            print(f"FAILED {variant} at {event.step_key}: {error.message.strip() if error else ''}",
                  file=sys.stderr)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            print(f"check failed {variant}: {evaluation.asset_check_key.to_user_string()} "
                  f"{ {k: v.value for k, v in evaluation.metadata.items()} }", file=sys.stderr)


def _print_summary(summaries, storage: str) -> None:
    print("\nsummary")
    for variant, result, seconds in summaries:
        print(f"  {variant} ({seconds:.1f} s)")
        for event in result.get_asset_materialization_events():
            materialization = event.event_specific_data.materialization
            metadata = materialization.metadata
            rows = metadata.get("dagster/row_count")
            path = metadata.get("path")
            extra = [f"{key}={metadata[key].value}" for key in ("rejected_files", "ignored_files")
                     if key in metadata]
            print(f"    {materialization.asset_key.to_user_string():<22} rows={rows.value if rows else '-':<7}"
                  f" {' '.join(extra)} {path.value if path else ''}")
        failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
        for evaluation in failed:
            print(f"    check warning: {evaluation.asset_check_key.to_user_string()}")
    print(f"\nTables: {storage}/<asset>/<variant>.parquet")
    print("Open the UI: make ui   (or: .venv/bin/motion-assets ui), then http://localhost:3000")
