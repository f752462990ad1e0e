"""A run launcher whose runs the run-monitoring daemon can check: a dead process fails its run.

Dagster's DefaultRunLauncher starts run workers as local processes but cannot answer the
monitoring daemon's health check, so a run whose process was killed (kill -9, the OOM
killer) stays STARTED forever, and with one run at a time it blocks every queued run. The
same holds for runs executed in-process by ``motion-assets run``. This launcher launches
exactly like the default one and answers the check from the process id that the run's
RUN_START event records. It knows the processes of this machine only: it suits the
embedded instance (SQLite, one host); a multi-host deployment needs a launcher whose
workers the platform tracks (Docker, Kubernetes).
"""

from __future__ import annotations

import os

from dagster import DagsterEventType, DefaultRunLauncher
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

# /proc gives boot time in whole seconds: a process that started within this margin of the
# run's start is taken as the run's own, a later one as an unrelated reuse of the pid.
_START_MARGIN_SECONDS = 2.0


class LocalProcessRunLauncher(DefaultRunLauncher):
    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        started = self._instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.RUN_START, limit=1).records
        if not started or started[0].event_log_entry.dagster_event.pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no process recorded yet")
        entry = started[0].event_log_entry
        pid = entry.dagster_event.pid
        if process_is_alive(pid, started_by=entry.timestamp):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"process {pid} is alive")
        return CheckRunHealthResult(WorkerStatus.FAILED,
                                    f"process {pid} of the run is gone (killed or crashed)")


def process_is_alive(pid: int, started_by: float) -> bool:
    """Whether process ``pid`` runs and is the one that was running at ``started_by``
    (not a zombie, not a later process that reused the id)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, as another user's process
    state_and_start = _linux_state_and_start(pid)
    if state_and_start is None:
        return True  # no /proc: existence is all we can tell
    state, start = state_and_start
    return state not in ("Z", "X") and start <= started_by + _START_MARGIN_SECONDS


def _linux_state_and_start(pid: int) -> tuple[str, float] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as handle:
            boot = next(float(line.split()[1]) for line in handle if line.startswith("btime"))
    except (OSError, StopIteration, IndexError, ValueError):
        return None
    # fields[0] is field 3 of proc(5) (state); field 22 is the start time in clock ticks
    return fields[0], boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
