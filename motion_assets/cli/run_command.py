"""``motion-assets run``: runs of ``variant_pipeline`` for every variant of a folder, then of
``score_sequences`` for the incoming files, through the instance (see job_runs.py)."""

from __future__ import annotations

import json
import os
import sys

from motion_assets.cli.dagster_home import ensure_dagster_home
from motion_assets.cli.errors import UsageError

DEFAULT_CONFIGS = "configs"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "run", help="register the variants of an inference root and run their jobs"
    )
    parser.add_argument("--inference-root", required=True, help="folder with one folder per variant")
    parser.add_argument("--labelled-root", help="hand-labelled subset (<root>/<variant>/<label>/...)")
    parser.add_argument("--incoming-root",
                        help="new files per variant: scored after the pipeline (score_sequences)")
    parser.add_argument("--variant", action="append", help="only this variant (repeatable)")
    parser.add_argument("--storage", help="where tables and models go (folder or fsspec URL)")
    parser.add_argument("--select", help="Dagster asset selection ('key:code_sequences+') "
                        "or a comma list ('code_sequences,sequence_encoder')")
    parser.add_argument("--configs", help=f"folder of YAML configs (default: ./{DEFAULT_CONFIGS} "
                        "when present, else the code's defaults)")
    parser.add_argument("--merge-map", help="JSON file of raw label -> label, added to the config's map")
    parser.set_defaults(handler=run)


def run(args) -> int:
    ensure_dagster_home()
    try:
        inputs = _checked_inputs(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from motion_assets.cli.launch import launch_all

    try:
        return launch_all(inputs)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _checked_inputs(args) -> dict:
    """Every check that needs no code server, so mistakes are reported in a second."""
    if not os.path.isdir(args.inference_root):
        raise UsageError(f"inference root {args.inference_root} is not a folder")
    for flag, folder in (("--labelled-root", args.labelled_root), ("--incoming-root", args.incoming_root)):
        if folder is not None and not os.path.isdir(folder):
            raise UsageError(f"{flag} {folder} is not a folder")
    configs = args.configs
    if configs is not None and not os.path.isdir(configs):
        raise UsageError(f"--configs {configs} is not a folder")
    if configs is None:
        configs = DEFAULT_CONFIGS if os.path.isdir(DEFAULT_CONFIGS) else None
    storage = args.storage or os.environ.get("MOTION_ASSETS_STORAGE")
    if storage is not None:  # the default folder is made on first write
        _check_storage(storage)
    from motion_assets.defs.resources import DEFAULT_STORAGE  # Dagster: not for other commands

    if args.select is not None:
        from motion_assets.cli.selection import SelectionError, parse_selection

        try:
            parse_selection(args.select)  # syntax now; asset names once the definitions load
        except SelectionError as error:
            raise UsageError(str(error)) from None
    return {
        "inference_root": _absolute(args.inference_root),
        "labelled_root": _absolute(args.labelled_root),
        "incoming_root": _absolute(args.incoming_root),
        "storage": _absolute(storage or DEFAULT_STORAGE),  # the one the definitions default to
        "variants": _variants(args.inference_root, args.variant),
        "select": args.select,
        "configs": configs,
        "merge_map": _merge_map(args.merge_map),
    }


def _absolute(location: str | None) -> str | None:
    """Local paths absolute (runs re-executed from the UI find them); URLs unchanged."""
    if location is None or "://" in location:
        return location
    return os.path.abspath(location)


def _check_storage(storage: str) -> None:
    if "://" not in storage:
        parent = os.path.dirname(os.path.abspath(storage))
        if not os.path.isdir(storage) and not os.path.isdir(parent):
            raise UsageError(f"storage {storage} does not exist, nor does its parent {parent}")
        return
    from upath import UPath

    try:
        UPath(storage).exists()
    except Exception as error:  # noqa: BLE001 - any fsspec backend error means unusable storage
        raise UsageError(f"storage {storage} cannot be reached: {str(error).splitlines()[0]}") from None


def _merge_map(path: str | None) -> dict | None:
    if path is None:
        return None
    try:
        with open(path) as handle:
            loaded = json.load(handle)
    except (OSError, ValueError) as error:
        raise UsageError(f"--merge-map {path}: {error}") from None
    if not isinstance(loaded, dict):
        raise UsageError(f"--merge-map {path} must hold a JSON object of raw label -> label")
    return loaded


def _variants(inference_root: str, requested: list[str] | None) -> list[str]:
    from motion_assets.core.sequences.folder_state import scan_variant_folders
    from motion_assets.core.sequences.variants import variant_name_problem

    if requested:
        for variant in requested:
            problem = variant_name_problem(variant)
            if problem:
                raise UsageError(f"--variant {variant!r}: {problem}")
            if not os.path.isdir(os.path.join(inference_root, variant)):
                raise UsageError(f"unknown variant {variant!r}: no such folder under {inference_root}")
        return list(dict.fromkeys(requested))
    scan = scan_variant_folders(inference_root)
    for name, why in scan.refused.items():
        print(f"skipping folder {name!r}: {why}", file=sys.stderr)
    if not scan.fingerprints:
        raise UsageError(f"no variant folder under {inference_root}")
    return sorted(scan.fingerprints)
