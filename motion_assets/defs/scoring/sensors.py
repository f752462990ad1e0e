"""Score new tokenizer files as they land in the incoming folder; no file forgotten.

Per variant the cursor holds a frontier and the batches in flight (core incoming_queue.py),
so it stays a few hundred bytes whatever the number of files. A tick stats the folders of the
incoming tree, not its files, and reads only the folders that changed or still hold files past
the frontier (core incoming_tree.py, remembered in a file beside the variant's history; a file
rewritten in place is found by the rolling sweep within ``IncomingWatch.full_sweep_seconds``). A batch leaves the to-do only
when the run that scored it succeeded; a failed run's files are requested again, and after
``IncomingWatch.max_attempts`` they are recorded on ``online_scores`` as an observation with
the error, like rejected files, never dropped in silence.
"""

from __future__ import annotations

import json
import os
import time

import pandas as pd
from dagster import (
    AssetKey,
    AssetObservation,
    DagsterEventType,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from motion_assets.core.scoring.history import incoming_tree_file
from motion_assets.core.scoring.incoming_queue import (
    FAILED,
    RUNNING,
    SUCCEEDED,
    VariantQueue,
    plan_tick,
)
from motion_assets.core.sequences.incoming_tree import list_changed, load_tree, save_tree
from motion_assets.defs.jobs import score_sequences_job
from motion_assets.defs.model_records import latest_metadata
from motion_assets.defs.partitions import dataset_variants
from motion_assets.defs.resources import IncomingWatch, TokenizerFolders
from motion_assets.defs.scoring.run_tags import BATCH_TAG, scoring_run_tags
from motion_assets.defs.storage import PreviousTables
from motion_assets.defs.ui_metadata import readable_table

FAILED_STATUSES = (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


def _status(instance, batch_id: str) -> tuple[str | None, str | None]:
    """The status of the latest run of a batch (None: no run), and its error if it failed."""
    records = instance.get_run_records(RunsFilter(tags={BATCH_TAG: batch_id}), limit=1)
    if not records:
        return None, None
    run = records[0].dagster_run
    if run.status == DagsterRunStatus.SUCCESS:
        return SUCCEEDED, None
    if run.status in FAILED_STATUSES:
        return FAILED, _run_error(instance, run.run_id, run.status)
    return RUNNING, None


def _run_error(instance, run_id: str, status) -> str:
    for event in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE):
        error = event.dagster_event.step_failure_data.error
        while error is not None and error.cause is not None:  # the asset's own exception
            error = error.cause
        if error is not None:
            return error.message.strip().splitlines()[0][:300]
    return f"run {run_id} ended {status.value}"


def _gave_up_event(variant: str, files: list[str], error: str, attempts: int) -> AssetObservation:
    listing = [{"relative_path": path, "reason": error} for path in files]
    return AssetObservation(
        asset_key=AssetKey("online_scores"), partition=variant,
        metadata={"unscored_files": len(files), "attempts": attempts, "error": error,
                  "unscored_listing": readable_table(
                      pd.DataFrame(listing, columns=["relative_path", "reason"]),
                      max_rows=30, max_chars=120)},
    )


def _changed_files(context: SensorEvaluationContext, previous_tables: PreviousTables, folder: str,
                   variant: str, queue: VariantQueue, sweep_seconds: float, deadline: float):
    """The files of ``folder`` that may be past the queue's frontier, remembering its folders."""
    tree_file = incoming_tree_file(previous_tables.base_path, variant)
    tree = load_tree(tree_file, os.path.abspath(folder))
    listing = list_changed(tree, queue.frontier[0], sweep_seconds=sweep_seconds, deadline=deadline)
    if listing.folders_read or not listing.complete:  # else only its time moved: the sweep's share grows
        try:
            save_tree(tree_file, tree)
        except OSError as error:  # only a cache: the next tick reads more folders, nothing is lost
            context.log.warning(f"{variant}: could not remember the incoming folders in {tree_file}: {error}")
    return listing


def _queue_of(context: SensorEvaluationContext, variant: str, entry) -> VariantQueue:
    """The variant's queue from the cursor; the older cursor (every path seen, with its mtime)
    says what was requested, not what was scored, so that variant starts over (files whose
    scores are unchanged are read again, not scored again)."""
    if isinstance(entry, dict) and "frontier" in entry:
        return VariantQueue.from_json(entry)
    if entry:
        context.log.info(f"{variant}: cursor of an older format; every file is checked once again")
    return VariantQueue()


@sensor(
    job=score_sequences_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Batches new or changed *.codes.json / .jsonl files under "
    "<incoming_root>/<variant>/ into runs of the score_sequences job; a file leaves the to-do "
    "only when its run succeeded",
)
def new_tokenizer_output_sensor(context: SensorEvaluationContext, folders: TokenizerFolders,
                                incoming_watch: IncomingWatch, previous_tables: PreviousTables):
    deadline = time.monotonic() + incoming_watch.walk_budget_seconds
    root = folders.incoming_root
    if not root or not os.path.isdir(root):
        return SensorResult(skip_reason=f"incoming root {root!r} does not exist", cursor=context.cursor)
    state = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(dataset_variants.name))
    cutoff_ns = int((time.time() - incoming_watch.settle_seconds) * 1e9)
    requests, events, notes = [], [], []
    for variant in sorted(os.listdir(root)):
        if variant.startswith(".") or not os.path.isdir(os.path.join(root, variant)):
            continue
        if variant not in known or latest_metadata(context.instance, "scoring_bundle", variant) is None:
            notes.append(f"{variant}: no scoring bundle yet")
            continue
        queue = _queue_of(context, variant, state.get(variant))
        statuses, errors = {}, {}
        for batch in queue.batches:
            statuses[batch], errors[batch] = _status(context.instance, batch.batch_id(variant))
        listing = _changed_files(context, previous_tables, os.path.join(root, variant), variant, queue,
                                 incoming_watch.full_sweep_seconds, deadline)
        for path, why in listing.oddities:
            context.log.warning(f"{variant}/{path}: {why} (left out)")
        if not listing.complete:  # planning on a partial listing could pass over a file
            state[variant] = queue.to_json()
            notes.append(f"{variant}: still reading the incoming tree ({listing.folders_read} folders "
                         "this tick); it goes on next tick")
            continue
        plan = plan_tick(queue, listing.files,
                         {batch: status for batch, status in statuses.items() if status},
                         cutoff_ns=cutoff_ns, batch_size=incoming_watch.batch_size,
                         max_batches=incoming_watch.max_batches_in_flight,
                         max_attempts=incoming_watch.max_attempts)
        for batch, files in plan.requests:
            batch_id = batch.batch_id(variant)
            requests.append(RunRequest(
                partition_key=variant, run_key=batch_id,
                run_config={"ops": {"online_scores": {"config": {"files": files}}}},
                tags={**scoring_run_tags(variant), BATCH_TAG: batch_id},
            ))
        for batch, files in plan.given_up:
            error = errors.get(batch) or "no run of the batch was found"
            events.append(_gave_up_event(variant, files, error, batch.attempt))
        state[variant] = plan.queue.to_json()
        if plan.settling:
            notes.append(f"{variant}: {plan.settling} file(s) still settling")
        if listing.oddity_count:
            notes.append(f"{variant}: {listing.oddity_count} odd entr(y/ies) left out")
    cursor = json.dumps(state, sort_keys=True, separators=(",", ":"))
    skip = None if requests else "no new settled files" + (f" ({'; '.join(notes)})" if notes else "")
    return SensorResult(run_requests=requests, asset_events=events, skip_reason=skip, cursor=cursor)
