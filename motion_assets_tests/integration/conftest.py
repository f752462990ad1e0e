"""Postgres and Redis for the integration tests: started by .ci/run, given by URL.

Without MOTION_ASSETS_TEST_POSTGRES_URL / MOTION_ASSETS_TEST_REDIS_URL a plain ``make test``
skips these tests; under CI=true a missing service is a failure, never a skip.
"""

import contextlib
import os
import signal
import subprocess
import uuid

import pytest

POSTGRES_ENV = "MOTION_ASSETS_TEST_POSTGRES_URL"
REDIS_ENV = "MOTION_ASSETS_TEST_REDIS_URL"


def _service(variable: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {variable} is not set: .ci/run starts the service and sets it")
    pytest.skip(f"{variable} is not set (.ci/run starts Postgres and Redis)")


@pytest.fixture(scope="module")
def postgres_url():
    """A database of its own on the test Postgres, dropped afterwards."""
    import psycopg2

    server = _service(POSTGRES_ENV)
    name = f"motion_assets_it_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    base, _, _ = server.rpartition("/")
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; dagster-postgres ships psycopg2
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg2://", 1)
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture(scope="module")
def redis_url():
    import redis

    url = _service(REDIS_ENV)
    redis.Redis.from_url(url).flushdb()  # no task of an earlier session is left queued
    return url


@contextlib.contextmanager
def background(command: list[str], env: dict, log_path, cwd: str):
    """A process (and its children) for the life of the block, its output in ``log_path``."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def stop_processes_of(dagster_home) -> None:
    """End every process whose DAGSTER_HOME is ``dagster_home`` (this test's own, in tmp)."""
    wanted = f"DAGSTER_HOME={dagster_home}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if wanted in handle.read().split(b"\0"):
                    os.kill(int(entry), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue
