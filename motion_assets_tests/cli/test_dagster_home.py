"""The embedded instance: run monitoring on, so a killed run fails and the queue moves on."""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, EventRecordsFilter

from motion_assets.cli import dagster_home
from motion_assets.cli.dagster_home import INSTANCE_YAML, ensure_dagster_home
from motion_assets.defs.run_launcher import LocalProcessRunLauncher, process_is_alive

BIN = os.path.dirname(sys.executable)

JOBS = textwrap.dedent("""\
    import time

    from dagster import Definitions, job, op

    @op
    def wait_long():
        time.sleep(600)  # killed long before

    @op
    def finish():
        pass

    @job
    def slow():
        wait_long()

    @job
    def quick():
        finish()

    defs = Definitions(jobs=[slow, quick])
""")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    return ensure_dagster_home()


def test_the_embedded_instance_monitors_runs_with_a_launcher_that_checks_their_processes(home):
    with DagsterInstance.get() as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert isinstance(instance.run_launcher, LocalProcessRunLauncher)
        assert instance.run_launcher.supports_check_run_worker_health


def test_an_older_instance_file_of_ours_is_brought_up_to_date_and_a_users_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    ours = f"{dagster_home.WRITTEN_BY_US}\nconcurrency:\n  runs:\n    max_concurrent_runs: 1\n"
    (tmp_path / "dagster.yaml").write_text(ours)
    ensure_dagster_home()
    assert (tmp_path / "dagster.yaml").read_text() == INSTANCE_YAML
    (tmp_path / "dagster.yaml").write_text("# mine\nrun_monitoring:\n  enabled: false\n")
    ensure_dagster_home()
    assert (tmp_path / "dagster.yaml").read_text().startswith("# mine")


def test_a_process_is_alive_only_until_it_dies_and_only_if_it_predates_the_run():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_is_alive(child.pid, started_by=time.time())
        assert not process_is_alive(child.pid, started_by=time.time() - 3600)  # a reused pid
        child.kill()
        child.wait()
        assert not process_is_alive(child.pid, started_by=time.time())
    finally:
        child.kill()
        child.wait()


def wait_for(condition, what, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s: {what}")


def launch_queued_run(jobs, env):
    """``dagster job launch`` puts the quick job in the queue. On this loaded machine it once
    exited 1 while the daemon shared its SQLite instance: it tries twice more, then reports."""
    for _ in range(3):
        launch = subprocess.run([os.path.join(BIN, "dagster"), "job", "launch", "-f", jobs, "-j", "quick"],
                                check=False, env=env, capture_output=True, text=True, timeout=60)
        if launch.returncode == 0:
            return
    raise AssertionError(launch.stderr[-2000:])


def runs_of(instance, job_name):
    return [run for run in instance.get_runs() if run.job_name == job_name]


@pytest.mark.daemon
def test_a_run_killed_with_sigkill_is_failed_and_the_queued_run_starts(home, tmp_path):
    """kill -9 of an in-process run (as `motion-assets run` makes) while a run waits in the
    one-run queue: the daemon's run monitoring fails the dead run, then launches the next."""
    settings = yaml.safe_load(INSTANCE_YAML)
    settings["run_monitoring"]["poll_interval_seconds"] = 1  # the test waits seconds, not 30
    with open(os.path.join(home, "dagster.yaml"), "w") as handle:
        yaml.safe_dump(settings, handle)
    (tmp_path / "jobs.py").write_text(JOBS)
    env = {**os.environ, "DAGSTER_HOME": home, "PYTHONPATH": os.pathsep.join(sys.path)}
    jobs = str(tmp_path / "jobs.py")
    started = []

    def start(*command):
        started.append(subprocess.Popen(command, cwd=tmp_path, env=env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return started[-1]

    # The storage is created here, before the daemon and the run open it: three processes
    # creating one fresh SQLite instance at once race on its schema (alembic IntegrityError,
    # and a run process that dies before its run starts).
    with DagsterInstance.get() as instance:
        instance.get_runs()
        instance.get_event_records(EventRecordsFilter(DagsterEventType.RUN_START), limit=1)
        try:
            start(os.path.join(BIN, "dagster-daemon"), "run", "-f", jobs)
            doomed = start(sys.executable, "-c", "from jobs import slow; from dagster import DagsterInstance;"
                           " slow.execute_in_process(instance=DagsterInstance.get())")
            dead = wait_for(lambda: [r for r in runs_of(instance, "slow")
                                     if r.status == DagsterRunStatus.STARTED], "the slow run starts", 120)[0]
            os.kill(doomed.pid, signal.SIGKILL)
            launch_queued_run(jobs, env)
            queued = wait_for(lambda: runs_of(instance, "quick"), "the quick run is queued", 10)[0]
            finished = wait_for(
                lambda: (run := instance.get_run_by_id(queued.run_id)).is_finished and run,
                "the queued run finishes", 240)
            assert finished.status == DagsterRunStatus.SUCCESS
            assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
        finally:
            for process in started:  # each in its own session: the daemon's code server goes too
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
