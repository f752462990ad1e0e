"""How many CPU threads torch uses wherever it runs (training, embedding, scoring): one.

Measured with ``benchmarks/encoder_benchmark.py --thread-policy`` (d_model 128, 182 codes)
on this project's 2-core development machine while ~8 engineers shared it (load average
18-22): two threads against one took a single-sequence forward from 76 to 3,113 ms p50, a
64-sequence training step from 18.8 to 101.5 s, and embedding from 56 to 5 sequences/s.
Issue #15 measured the same with one other process busy on a core: 1.6-1.9 ms at one thread,
810-1,502 ms at two. OpenMP threads meet at a barrier every step; when one is descheduled
the other waits out its time slice. The loss is 5-40x, the most two threads could gain on
2 cores is 2x, and the machine (like a Dagster run with parallel steps) is rarely quiet,
so the default is 1 thread.

Configurable: ``$MOTION_ASSETS_TORCH_THREADS`` (the operator's choice for a machine) wins,
else the encoder config's ``train.num_threads``, else :data:`DEFAULT_THREADS`.
"""

from __future__ import annotations

import os

import torch

THREADS_VARIABLE = "MOTION_ASSETS_TORCH_THREADS"
DEFAULT_THREADS = 1


def torch_threads(configured: int | None = None) -> int:
    """The thread count the policy picks: the environment, else ``configured``, else 1."""
    value = os.environ.get(THREADS_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ValueError(f"{THREADS_VARIABLE} must be a positive integer, got {value!r}")
        return int(value)
    if configured is not None:
        if int(configured) < 1:
            raise ValueError(f"train.num_threads must be a positive integer, got {configured!r}")
        return int(configured)
    return DEFAULT_THREADS


def use_torch_threads(configured: int | None = None) -> int:
    """Apply :func:`torch_threads` to this process (cheap when it is already set)."""
    threads = torch_threads(configured)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads
