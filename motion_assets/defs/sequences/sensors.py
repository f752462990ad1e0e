"""Notice new (and changed) variant folders under the inference root and run them."""


import json
import os

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from motion_assets.core.config import ConfigError
from motion_assets.core.sequences.folder_state import scan_variant_folders
from motion_assets.defs.config_files import ConfigFiles
from motion_assets.defs.jobs import variant_pipeline
from motion_assets.defs.model_records import latest_metadata
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.resources import TokenizerFolders


def _pipeline_ops(context: SensorEvaluationContext) -> set[str]:
    graph = context.repository_def.asset_graph if context.repository_def else None
    if graph is None:
        return set()
    return {key.to_user_string() for key in variant_pipeline.selection.resolve(graph)}


@sensor(
    job=variant_pipeline,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Adds a dataset_variant partition per new folder and runs the variant pipeline; "
    "reruns a variant whose folder changed when rescan_changed_variants is set",
)
def variant_folder_sensor(context: SensorEvaluationContext, folders: TokenizerFolders,
                          config_files: ConfigFiles):
    root = folders.inference_root
    if not os.path.isdir(root):
        return SkipReason(f"inference root {root!r} does not exist")
    try:
        scan = scan_variant_folders(root)
    except OSError as error:
        return SkipReason(f"inference root {root!r} cannot be listed: {error.strerror or error}")
    cursor = json.loads(context.cursor) if context.cursor else {}
    seen: dict[str, str] = cursor.get("fingerprints", {})
    for name, why in scan.refused.items():
        if name not in cursor.get("refused", {}):
            context.log.warning(f"folder {name!r} refused as a dataset variant: {why}")
    known = set(context.instance.get_dynamic_partitions(dataset_variants.name))
    new_variants = [v for v in scan.fingerprints if v not in known]
    run_requests = []
    run_config = None
    for variant, fingerprint in scan.fingerprints.items():
        if seen.get(variant) == fingerprint:
            continue
        if variant in seen and not folders.rescan_changed_variants:
            continue
        if variant in known and (latest_metadata(context.instance, "code_sequences", variant) or {}).get("folder_fingerprint") == fingerprint:
            continue  # already ingested in this state, e.g. by `motion-assets run`
        if run_config is None:  # the configs/*.yaml files, as `motion-assets run` uses them
            try:
                run_config = config_files.run_config(_pipeline_ops(context))
            except ConfigError as error:  # cursor kept: the tick after the fix runs them
                return SkipReason(f"configs refused: {error}")
        run_requests.append(
            RunRequest(partition_key=variant, run_key=f"{variant}@{fingerprint}", run_config=run_config,
                       tags={"motion_assets/folder_fingerprint": fingerprint})
        )
    new_cursor = json.dumps({"fingerprints": scan.fingerprints, "refused": scan.refused}, sort_keys=True)
    if not run_requests and not new_variants:
        refused = f"; refused folders: {scan.refused}" if scan.refused else ""
        return SensorResult(skip_reason=f"no new or changed variant folder{refused}", cursor=new_cursor)
    return SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[dataset_variants.build_add_request(new_variants)] if new_variants else [],
        cursor=new_cursor,
    )
