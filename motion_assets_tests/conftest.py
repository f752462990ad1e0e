import os

import pytest

# Tests never touch a developer's Dagster instance or storage.
os.environ.pop("DAGSTER_HOME", None)


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
