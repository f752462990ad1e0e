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

numpy's BLAS (OpenBLAS) has the same trap for a single sequence: the kNN novelty of one
query against 20,000 training embeddings (a 20,000 x 128 matrix-vector product) took 2.85 ms
of CPU at OpenBLAS's default of 2 threads and 0.94 ms at one (load average ~9), so
single-sequence scoring runs BLAS under :func:`blas_threads` with the same count. And in
batch: a Bayesian GMM fit (4,000 x 16, 7 full covariances, 100 iterations) took 3.7-4.3 s
wall / 5.5-6.3 s CPU at 2 BLAS threads against 0.55-0.61 s / 0.50-0.56 s at one (load
average ~6, alternating); cluster_quality's three stability refits of a 10k variant's
mixture spent 231 of 277 s in sklearn's covariance products. So every process of the code
location (:func:`use_blas_policy`, called where ``defs`` is built) runs BLAS at the policy's
count too.
"""

from __future__ import annotations

import contextlib
import os

import torch
from threadpoolctl import ThreadpoolController

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


_BLAS: list[ThreadpoolController] = []  # one controller: finding the libraries costs ~4 ms


def use_blas_policy() -> int:
    """Limit this process's BLAS libraries loaded so far (numpy's, scipy's) to
    :func:`torch_threads` threads, until the process ends; returns the count."""
    threads = torch_threads()
    ThreadpoolController().limit(limits=threads, user_api="blas")  # a fresh look: scipy's, too
    return threads


def blas_threads(threads: int) -> contextlib.AbstractContextManager:
    """numpy/scipy BLAS limited to ``threads`` inside the ``with`` block (~0.04 ms to enter),
    the previous limits restored after."""
    if not _BLAS:
        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=threads, user_api="blas")
