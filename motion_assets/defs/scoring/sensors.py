"""Score new tokenizer files as they land in the incoming folder, each file state once."""

import hashlib
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

from motion_assets.core.sequences.incoming_files import new_settled_files
from motion_assets.defs.jobs import score_sequences_job
from motion_assets.defs.model_records import latest_metadata
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.resources import IncomingWatch, TokenizerFolders


def _run_key(variant: str, batch: dict[str, int]) -> str:
    digest = hashlib.blake2b(json.dumps(sorted(batch.items())).encode(), digest_size=12).hexdigest()
    return f"{variant}:{digest}"


@sensor(
    job=score_sequences_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Batches new or changed *.codes.json / .jsonl files under "
    "<incoming_root>/<variant>/ into runs of the score_sequences job",
)
def new_tokenizer_output_sensor(context: SensorEvaluationContext, folders: TokenizerFolders,
                                incoming_watch: IncomingWatch):
    root = folders.incoming_root
    if not root or not os.path.isdir(root):
        return SkipReason(f"incoming root {root!r} does not exist")
    seen: dict[str, dict[str, int]] = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(dataset_variants.name))
    requests, waiting = [], []
    for variant in sorted(os.listdir(root)):
        folder = os.path.join(root, variant)
        if not os.path.isdir(folder) or variant.startswith("."):
            continue
        if variant not in known or latest_metadata(context.instance, "scoring_bundle", variant) is None:
            waiting.append(f"{variant}: no scoring bundle yet")
            continue
        fresh, settling = new_settled_files(folder, seen.get(variant, {}), incoming_watch.settle_seconds)
        if settling:
            waiting.append(f"{variant}: {settling} file(s) still settling")
        paths = sorted(fresh)
        for start in range(0, len(paths), incoming_watch.batch_size):
            batch = {path: fresh[path] for path in paths[start : start + incoming_watch.batch_size]}
            requests.append(RunRequest(
                partition_key=variant, run_key=_run_key(variant, batch),
                run_config={"ops": {"online_scores": {"config": {"files": list(batch)}}}},
            ))
        seen.setdefault(variant, {}).update(fresh)
    cursor = json.dumps(seen, sort_keys=True)
    if not requests:
        return SensorResult(skip_reason="no new settled files" + (f" ({'; '.join(waiting)})" if waiting else ""),
                            cursor=cursor)
    return SensorResult(run_requests=requests, cursor=cursor)
