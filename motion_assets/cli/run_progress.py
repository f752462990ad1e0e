"""Follow runs in the instance's event log: print progress, wait for the end, say why one failed."""

from __future__ import annotations

import dataclasses
import logging
import sys
import time

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance
from dagster._core.storage.dagster_run import FINISHED_STATUSES, DagsterRunStatus

POLL_SECONDS = 1.0
RUN_MILESTONES = {DagsterEventType.RUN_START: "run started",
                  DagsterEventType.RUN_SUCCESS: "run succeeded",
                  DagsterEventType.RUN_CANCELED: "run canceled"}


@dataclasses.dataclass
class RunOutcome:
    """What one run did, as the CLI reports it."""

    run_id: str
    label: str  # e.g. "variant_pipeline v1"
    status: DagsterRunStatus | None = None
    failures: list[str] = dataclasses.field(default_factory=list)
    failed_checks: list[str] = dataclasses.field(default_factory=list)  # blocking ones failed the run
    warned_checks: list[str] = dataclasses.field(default_factory=list)
    materializations: list = dataclasses.field(default_factory=list)  # AssetMaterialization
    started: float = dataclasses.field(default_factory=time.perf_counter)
    seconds: float = 0.0
    cursor: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == DagsterRunStatus.SUCCESS

    def reason(self) -> str:
        if self.succeeded:
            return "succeeded"
        why = "; ".join(self.failures) or "no reason recorded"
        if self.failed_checks:
            why += "; failed checks: " + "; ".join(self.failed_checks)
        return f"{self.status.value if self.status else 'unknown'}: {why}"


def error_text(error) -> str:
    """A step error in one line: without the exception's module path, lines joined."""
    if error is None or not error.message:
        return "failed"
    text = " ".join(line.strip() for line in error.message.strip().splitlines() if line.strip())
    head, _, rest = text.partition(": ")
    return rest if rest and "." in head and " " not in head else text


def _message(entry) -> str | None:
    """One progress line for an event-log entry, or None for the engine's chatter."""
    event = entry.dagster_event
    if event is None:  # a log line of the asset code (epochs, warnings)
        return entry.user_message if entry.level >= logging.INFO else None
    kind = event.event_type
    if kind == DagsterEventType.STEP_START:
        return f"step {event.step_key} started"
    if kind == DagsterEventType.STEP_SUCCESS:
        return f"step {event.step_key} done ({event.event_specific_data.duration_ms / 1000:.1f} s)"
    if kind == DagsterEventType.STEP_FAILURE:
        return f"step {event.step_key} FAILED: {error_text(event.step_failure_data.error)}"
    if kind == DagsterEventType.RUN_FAILURE:
        return f"run failed: {event.message or ''}".strip()
    return RUN_MILESTONES.get(kind)


def _record(outcome: RunOutcome, entry) -> None:
    event = entry.dagster_event
    if event is None:
        return
    kind = event.event_type
    if kind == DagsterEventType.STEP_FAILURE:
        outcome.failures.append(f"{event.step_key}: {error_text(event.step_failure_data.error)}")
    elif kind == DagsterEventType.ASSET_MATERIALIZATION:
        outcome.materializations.append(event.event_specific_data.materialization)
    elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.event_specific_data
        if not evaluation.passed:
            name = evaluation.asset_check_key.to_user_string()
            if evaluation.severity == AssetCheckSeverity.ERROR:
                values = ", ".join(f"{k}={v.value}" for k, v in evaluation.metadata.items()
                                   if isinstance(v.value, (int, float, str)))
                outcome.failed_checks.append(f"{name} ({values})" if values else name)
            else:
                outcome.warned_checks.append(name)
    elif kind == DagsterEventType.RUN_FAILURE and not outcome.failures and event.message:
        outcome.failures.append(event.message.strip())


def _drain(instance: DagsterInstance, outcome: RunOutcome, prefix: str) -> None:
    while True:
        connection = instance.get_records_for_run(outcome.run_id, cursor=outcome.cursor, limit=500)
        for record in connection.records:
            entry = record.event_log_entry
            _record(outcome, entry)
            line = _message(entry)
            if line:
                print(f"{prefix}{line}", flush=True)
        outcome.cursor = connection.cursor
        if not connection.has_more:
            return


def wait_for_runs(instance: DagsterInstance, outcomes: list[RunOutcome]) -> list[RunOutcome]:
    """Print the runs' progress until every one has finished; Ctrl-C cancels them."""
    prefix = {o.run_id: (f"[{o.label}] " if len(outcomes) > 1 else "  ") for o in outcomes}
    waiting = list(outcomes)
    try:
        while waiting:
            for outcome in list(waiting):
                run = instance.get_run_by_id(outcome.run_id)
                _drain(instance, outcome, prefix[outcome.run_id])
                if run is not None and run.status in FINISHED_STATUSES:
                    _drain(instance, outcome, prefix[outcome.run_id])
                    outcome.status = run.status
                    outcome.seconds = time.perf_counter() - outcome.started
                    waiting.remove(outcome)
            if waiting:
                time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        for outcome in waiting:
            print(f"cancelling run {outcome.run_id} ({outcome.label})", file=sys.stderr)
            instance.run_coordinator.cancel_run(outcome.run_id)
        raise
    return outcomes
