"""Keep curation current: a changed taxonomy file re-runs what it affects, and new online
scores re-propose new actions."""

import hashlib
import json

from dagster import (
    AssetKey,
    AssetObservation,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from motion_assets.defs.curation.jobs import curation_refresh, propose_new_actions
from motion_assets.defs.curation.resources import TaxonomyFiles
from motion_assets.defs.model_records import latest_materialization_time
from motion_assets.defs.partitions import dataset_variants

NO_FILE = "no-file"


def file_sha256(path: str) -> str:
    """The data version of a taxonomy file: its bytes' sha256, or ``no-file``."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        return NO_FILE


@sensor(
    jobs=[curation_refresh, propose_new_actions],
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Observes each variant's taxonomy file (its sha256 is the data version of "
    "taxonomy_file) and re-runs the taxonomy, bundle and names when it changes; re-proposes "
    "new actions when online_scores is newer than new_action_candidates",
)
def taxonomy_sensor(context: SensorEvaluationContext, taxonomy_files: TaxonomyFiles):
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    instance = context.instance
    observations, requests = [], []
    for variant in sorted(instance.get_dynamic_partitions(dataset_variants.name)):
        if latest_materialization_time(instance, "scoring_bundle", variant) is None:
            continue  # nothing to curate before the first bundle
        digest = file_sha256(taxonomy_files.path(variant))
        if seen.get(variant) != digest:
            observations.append(AssetObservation(
                asset_key=AssetKey("taxonomy_file"), partition=variant,
                tags={"dagster/data_version": digest},
                metadata={"path": taxonomy_files.path(variant), "sha256": digest}))
            if variant in seen:  # the first sighting is the state the bundle was built from
                requests.append(RunRequest(partition_key=variant, job_name=curation_refresh.name,
                                           run_key=f"taxonomy:{variant}:{digest}"))
            seen[variant] = digest
        scored = latest_materialization_time(instance, "online_scores", variant)
        proposed = latest_materialization_time(instance, "new_action_candidates", variant)
        if scored is not None and (proposed is None or scored > proposed):
            requests.append(RunRequest(partition_key=variant, job_name=propose_new_actions.name,
                                       run_key=f"candidates:{variant}:{scored}"))
    return SensorResult(run_requests=requests, asset_events=observations,
                        cursor=json.dumps(seen, sort_keys=True))
