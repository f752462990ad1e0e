"""What ``motion-assets run`` does once its inputs are checked: one ``variant_pipeline`` run per
variant, then ``score_sequences`` runs for the incoming files, then one outcome per variant."""

from __future__ import annotations

import os
import sys

from dagster import AssetKey, DagsterInstance

from motion_assets.cli.errors import UsageError
from motion_assets.cli.job_runs import (
    LAUNCHED_BY_TAG,
    CodeLocationError,
    PlannedRun,
    code_location_workspace,
    create_run,
    daemon_dequeues,
    remote_asset_graph,
    start_run,
)
from motion_assets.cli.run_progress import RunOutcome, wait_for_runs
from motion_assets.cli.selection import SelectionError, resolve_selection

PIPELINE_JOB = "variant_pipeline"
SCORING_JOB = "score_sequences"
ONLINE_SCORES = AssetKey("online_scores")
TAGS = {LAUNCHED_BY_TAG: "motion-assets run"}
# The run's process shares this terminal: its console logger would repeat what run_progress
# prints from the event log (which keeps every level whatever the console shows).
QUIET_CONSOLE = {"console": {"config": {"log_level": "CRITICAL"}}}


def _resource_config(inputs: dict) -> dict:
    """The folders and storage as run config: a re-execution from the UI reads the same ones."""
    folders = {key: inputs[key] for key in ("inference_root", "labelled_root", "incoming_root")
               if inputs[key] is not None}
    storage = {"config": {"base_path": inputs["storage"]}}
    return {"folders": {"config": folders}, "tables": storage, "model_files": storage,
            "previous_tables": storage}


def _pipeline_run_config(inputs: dict, op_names: set[str]) -> dict:
    from motion_assets.core.config import ConfigError, ConfigNotes
    from motion_assets.defs.config_files import run_config_from_folder

    if inputs["configs"] is None:
        ops = {}
    else:
        notes = ConfigNotes()
        try:
            ops = run_config_from_folder(inputs["configs"], op_names, inputs["merge_map"], notes)["ops"]
        except ConfigError as error:  # names the file and the setting already
            raise UsageError(str(error).splitlines()[0]) from None
        except Exception as error:  # noqa: BLE001 - whatever else reading the folder raised
            raise UsageError(f"--configs {inputs['configs']}: {str(error).splitlines()[0]}") from None
        if notes.ignored:  # the old tool's keys, once each; replaced unsafe settings, one line each
            print(f"configs: ignored (not used here): {', '.join(notes.ignored)}", file=sys.stderr)
        for line in notes.replaced:
            print(f"configs: warning: {line}", file=sys.stderr)
    if inputs["configs"] is None and inputs["merge_map"] and "labelled_sequences" in op_names:
        ops["labelled_sequences"] = {"config": {"label_processing": {"merge_map": inputs["merge_map"]}}}
    return {"ops": ops, "resources": _resource_config(inputs), "loggers": QUIET_CONSOLE}


def _run_in_order(instance, workspace, planned: list[PlannedRun]) -> list[RunOutcome]:
    """Create every run, start them through the queue (a daemon) or one by one (none)."""
    runs = []
    for plan in planned:
        try:
            runs.append((plan, create_run(instance, workspace, plan, TAGS)))
        except Exception as error:  # noqa: BLE001 - invalid run config is the user's input
            raise UsageError(f"{plan.job_name} {plan.variant}: {str(error).strip().splitlines()[0]}") from None
    through_queue = daemon_dequeues(instance)
    outcomes = []
    for plan, run in runs:
        outcome = RunOutcome(run.run_id, f"{plan.job_name} {plan.variant}")
        print(f"run {run.run_id} {outcome.label}: "
              + ("submitted to the queue" if through_queue else "launched"), flush=True)
        if through_queue:
            start_run(instance, workspace, run, through_queue=True)
            outcomes.append(outcome)
        else:
            start_run(instance, workspace, run, through_queue=False)
            outcomes.extend(wait_for_runs(instance, [outcome]))
    if through_queue:
        wait_for_runs(instance, outcomes)
    return outcomes


def launch_all(inputs: dict) -> int:
    instance = DagsterInstance.get()
    print(f"DAGSTER_HOME={os.environ['DAGSTER_HOME']}  storage={inputs['storage']}")
    print("starting the code server (loads the definitions) ...", flush=True)
    try:
        with code_location_workspace(instance) as workspace:
            return _launch_in(instance, workspace, inputs)
    except CodeLocationError as error:
        print(f"error: the definitions did not load: {error}", file=sys.stderr)
        return 1


def _launch_in(instance, workspace, inputs: dict) -> int:
    from motion_assets.cli.incoming import scoring_runs
    from motion_assets.cli.summary import print_summary

    graph = remote_asset_graph(workspace)
    try:
        selected = resolve_selection(inputs["select"], graph, {PIPELINE_JOB, SCORING_JOB})
    except SelectionError as error:
        raise UsageError(str(error)) from None
    if selected.added:
        print("selecting also " + ", ".join(sorted(k.to_user_string() for k in selected.added))
              + " (computed in one step with what you selected)")
    pipeline_assets = frozenset(k for k in selected.assets if PIPELINE_JOB in graph.get(k).job_names)
    scoring = ONLINE_SCORES in selected.assets and inputs["select"] is not None or (
        inputs["select"] is None and inputs["incoming_root"] is not None)
    if scoring and inputs["incoming_root"] is None:
        raise UsageError("online_scores is selected but no --incoming-root is given")
    variants = inputs["variants"]
    from motion_assets.defs.partitions import dataset_variants

    known = set(instance.get_dynamic_partitions(dataset_variants.name))
    instance.add_dynamic_partitions(dataset_variants.name, [v for v in variants if v not in known])
    print(f"{len(variants)} variant(s), {len(pipeline_assets)} asset(s) of {PIPELINE_JOB}: "
          + ", ".join(sorted(k.to_user_string() for k in pipeline_assets)))
    outcomes: dict[str, list[RunOutcome]] = {variant: [] for variant in variants}
    if pipeline_assets:
        run_config = _pipeline_run_config(inputs, {k.to_user_string() for k in pipeline_assets})
        whole_job = inputs["select"] is None
        planned = [PlannedRun(PIPELINE_JOB, variant, run_config,
                              None if whole_job else pipeline_assets,
                              None if whole_job else frozenset(
                                  c for c in selected.checks if c.asset_key in pipeline_assets))
                   for variant in variants]
        for plan, outcome in zip(planned, _run_in_order(instance, workspace, planned)):
            outcomes[plan.variant].append(outcome)
    if scoring:
        ready = [v for v in variants if all(o.succeeded for o in outcomes[v])]
        resources = _resource_config(inputs)
        planned = scoring_runs(instance, inputs["incoming_root"], inputs["storage"], ready,
                               resources, QUIET_CONSOLE)
        for plan, outcome in zip(planned, _run_in_order(instance, workspace, planned)):
            outcomes[plan.variant].append(outcome)
    return print_summary(outcomes, inputs["storage"])
