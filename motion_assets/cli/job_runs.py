"""Runs of the code location's jobs, created in the instance and started the way it says.

A run made here is an ordinary run of ``variant_pipeline`` or ``score_sequences``: it is shown
under its job in the UI, can be re-executed there, and runs with the job's executor in a
process started by the instance's run launcher (a code server, like ``dg dev``). Who starts
it depends on the instance:

- a queued run coordinator with a live daemon (``motion-assets ui``, ``deploy/``): the run is
  submitted to the queue and the daemon starts it within the instance's concurrency limits;
- a queued run coordinator and no daemon (the embedded default after ``make demo``): nothing
  would dequeue it, so this command is the queue: it launches its runs itself, one at a time,
  which is what the embedded instance's limit of one run allows anyway;
- any other coordinator: submitted, the coordinator decides.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping

from dagster import AssetCheckKey, AssetKey, DagsterInstance
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.remote_representation.code_location import CodeLocation
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import PARTITION_NAME_TAG
from dagster._core.workspace.context import BaseWorkspaceRequestContext, WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.controller import get_daemon_statuses

# The same code location workspace.yaml loads, so the UI finds the job of every run made here.
CODE_LOCATION_MODULE = "motion_assets.definitions"
LAUNCHED_BY_TAG = "motion_assets/launched_by"


class CodeLocationError(Exception):
    """The definitions did not load in the code server."""


@contextlib.contextmanager
def code_location_workspace(instance: DagsterInstance) -> Iterator[BaseWorkspaceRequestContext]:
    """The project's code location served by a code server for the life of the block."""
    target = ModuleTarget(module_name=CODE_LOCATION_MODULE, attribute=None,
                          working_directory=os.getcwd(), location_name=None)
    with WorkspaceProcessContext(instance, target, read_only=False,
                                 code_server_log_level="WARNING") as process_context:
        workspace = process_context.create_request_context()
        for error in workspace.code_location_errors():
            raise CodeLocationError(error.message.strip().splitlines()[-1])
        yield workspace


def code_location(workspace: BaseWorkspaceRequestContext) -> CodeLocation:
    return workspace.get_code_location(workspace.code_location_names[0])


def remote_asset_graph(workspace: BaseWorkspaceRequestContext):
    repository = next(iter(code_location(workspace).get_repositories().values()))
    return repository.asset_graph


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    """One run to make: a job over some of its assets for one variant."""

    job_name: str
    variant: str
    run_config: Mapping
    assets: frozenset[AssetKey] | None = None  # None: the whole job
    checks: frozenset[AssetCheckKey] | None = None


def create_run(instance: DagsterInstance, workspace: BaseWorkspaceRequestContext,
               planned: PlannedRun, tags: Mapping[str, str]) -> DagsterRun:
    """Record a run of ``planned`` in the instance (not started); bad config raises here."""
    location = code_location(workspace)
    repository = next(iter(location.get_repositories().values()))
    remote_job = location.get_job(JobSubsetSelector(
        location_name=location.name, repository_name=repository.name,
        job_name=planned.job_name, op_selection=None,
        asset_selection=planned.assets, asset_check_selection=planned.checks,
    ))
    plan = location.get_execution_plan(remote_job, dict(planned.run_config),
                                       step_keys_to_execute=None, known_state=None,
                                       instance=instance)
    return instance.create_run(
        job_name=planned.job_name, run_id=None, run_config=dict(planned.run_config),
        resolved_op_selection=None, step_keys_to_execute=None, op_selection=None, status=None,
        root_run_id=None, parent_run_id=None,
        tags={**remote_job.tags, **tags, PARTITION_NAME_TAG: planned.variant},
        job_snapshot=remote_job.job_snapshot,
        execution_plan_snapshot=plan.execution_plan_snapshot,
        parent_job_snapshot=remote_job.parent_job_snapshot,
        remote_job_origin=remote_job.get_remote_origin(),
        job_code_origin=remote_job.get_python_origin(),
        asset_selection=planned.assets, asset_check_selection=planned.checks,
        asset_graph=repository.asset_graph,
    )


def daemon_dequeues(instance: DagsterInstance) -> bool:
    """True when submitted runs will be started by someone else than this command."""
    if not isinstance(instance.run_coordinator, QueuedRunCoordinator):
        return True
    statuses = get_daemon_statuses(instance, ["QUEUED_RUN_COORDINATOR"], ignore_errors=True)
    return any(status.healthy for status in statuses.values())


def start_run(instance: DagsterInstance, workspace: BaseWorkspaceRequestContext, run: DagsterRun,
              *, through_queue: bool) -> None:
    if through_queue:
        instance.submit_run(run.run_id, workspace)
    else:
        instance.launch_run(run.run_id, workspace)
