"""The torch thread policy: one thread unless the environment or the config says otherwise."""

import pytest
import torch

from motion_assets.core.encoder.threads import THREADS_VARIABLE, torch_threads, use_torch_threads


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
