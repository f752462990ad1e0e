"""``motion-assets rollback``: make a stored version of a model current again (no retraining)."""

from __future__ import annotations

import os
import sys

from motion_assets.cli.dagster_home import ensure_dagster_home

MODEL_ASSETS = ("sequence_encoder", "hdbscan_model", "bayes_gmm_model", "scoring_bundle")


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "rollback", help="re-point a variant's model at a stored version (see README: storage)")
    parser.add_argument("asset", choices=MODEL_ASSETS)
    parser.add_argument("--variant", required=True)
    parser.add_argument("--version", required=True, help="sha256 of the stored version")
    parser.add_argument("--storage", help="where the assets were written (default: data/storage)")
    parser.set_defaults(handler=rollback)


def rollback(args) -> int:
    ensure_dagster_home()
    from dagster import DagsterInstance

    from motion_assets.core.files.layout import StorageLayout
    from motion_assets.core.sequences.variants import validate_variant_name
    from motion_assets.defs.model_records import record_rollback

    layout = StorageLayout(args.storage or os.environ.get("MOTION_ASSETS_STORAGE", "data/storage"))
    try:
        variant = validate_variant_name(args.variant)
        with DagsterInstance.get() as instance:
            record_rollback(instance, layout, args.asset, variant, args.version)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.asset} ({variant}) is now version {args.version}", file=sys.stderr)
    return 0
