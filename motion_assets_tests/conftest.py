import os

import pytest

# Tests never touch a developer's Dagster instance or storage.
os.environ.pop("DAGSTER_HOME", None)
# Two pytest workers on two cores: training too runs at one torch thread in every process
# (core/encoder/threads.py would give it the cores), so no worker waits for the other.
os.environ.setdefault("MOTION_ASSETS_TORCH_THREADS", "1")


@pytest.fixture(autouse=True)
def _single_torch_thread():
    """Two pytest workers on two cores: one torch thread each avoids oversubscription."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
