"""The torch thread policy: one thread unless the environment or the config says otherwise;
training takes the cores when OpenMP's waiting threads sleep."""

import os
import subprocess
import sys

import pytest
import torch

from motion_assets.core.encoder.threads import (
    MAX_TRAINING_THREADS,
    THREADS_VARIABLE,
    torch_threads,
    training_threads,
    use_torch_threads,
)


def test_one_thread_by_default(monkeypatch):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    assert torch_threads() == 1


def test_the_config_sets_the_threads_when_the_environment_does_not(monkeypatch):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    assert torch_threads(2) == 2


def test_the_environment_wins_over_the_config(monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "3")
    assert torch_threads(2) == 3


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_thread_count_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv(THREADS_VARIABLE, value)
    with pytest.raises(ValueError, match=THREADS_VARIABLE):
        torch_threads()


@pytest.mark.parametrize("cores, expected", [(1, 1), (2, 2), (16, MAX_TRAINING_THREADS)])
def test_training_takes_the_cores_when_waiting_threads_sleep(monkeypatch, cores, expected):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)))
    assert training_threads() == expected


def test_training_stays_at_one_thread_when_waiting_threads_spin(monkeypatch):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    assert training_threads() == 1


def test_the_environment_and_the_config_set_the_training_threads_too(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    assert training_threads(1) == 1
    monkeypatch.setenv(THREADS_VARIABLE, "3")
    assert training_threads(1) == 3


def _wait_policy_after(imports: str, **environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | environment
    code = f"import os; {imports}; print(os.environ.get('OMP_WAIT_POLICY'))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


def test_importing_the_package_makes_openmp_threads_sleep_before_torch_loads():
    assert _wait_policy_after("import motion_assets") == "PASSIVE"


def test_an_operators_wait_policy_wins():
    assert _wait_policy_after("import motion_assets", OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"


def test_the_wait_policy_is_not_claimed_once_torch_loaded_without_it():
    assert _wait_policy_after("import torch; import motion_assets") == "None"


def test_the_policy_is_applied_to_torch(monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "2")
    assert use_torch_threads() == 2
    assert torch.get_num_threads() == 2


def test_blas_threads_limits_numpy_blas_inside_the_block_and_restores_it_after():
    from threadpoolctl import threadpool_info

    from motion_assets.core.encoder.threads import blas_threads

    def counts():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    before = counts()
    with blas_threads(1):
        assert counts() and set(counts()) == {1}
    assert counts() == before


def test_the_code_location_runs_blas_at_the_policy_count():
    from threadpoolctl import threadpool_info

    import motion_assets.definitions  # noqa: F401  (applies the policy on import)

    blas = [entry for entry in threadpool_info() if entry["user_api"] == "blas"]
    assert blas and all(entry["num_threads"] == torch_threads() for entry in blas)


def test_leaving_a_blas_limit_leaves_torchs_threads_as_they_were_set_inside_it():
    from motion_assets.core.encoder.threads import blas_threads

    torch.set_num_threads(1)
    with blas_threads(1):
        torch.set_num_threads(2)
    assert torch.get_num_threads() == 2
