"""How many CPU threads torch uses wherever it runs: one for scoring and embedding, the
machine's cores (up to 4) for training, with OpenMP's threads sleeping when they wait.

The trap, measured with ``benchmarks/encoder_benchmark.py --thread-policy`` (d_model 128) on
this project's 2-core development machine while ~8 engineers shared it (load average
18-22): two threads against one took a single-sequence forward from 76 to 3,113 ms p50, a
64-sequence training step from 18.8 to 101.5 s, and embedding from 56 to 5 sequences/s.
Issue #15 measured the same with one other process busy on a core: 1.6-1.9 ms at one thread,
810-1,502 ms at two. OpenMP threads meet at a barrier after every operation, and by default
(``OMP_WAIT_POLICY`` active) a thread that arrives first spins there, taking the core the
late thread needs.

With the waiting threads asleep (``OMP_WAIT_POLICY=PASSIVE``, which ``motion_assets`` sets
before torch loads unless the environment says otherwise) the collapse is gone and training
gains: a 64-sequence training step of 50 codes took 152 ms wall at two threads against 220 at
one on a quiet machine (1.45x), 277 against 199 ms with another process spinning on one core
(0.72x, no collapse), and 231 against 364 ms with two such processes; at 182 codes 669
against 992 ms quiet and 961 against 898 ms beside one spinning process (BENCHMARKS.md
"Inference kernels and torch threads"). One sequence, or embedding a batch, gains nothing
from a second thread even then (a 182-code forward 6.9 against 3.8 ms; embedding 256
sequences 1,097 against 1,094 per second), so scoring and embedding stay at one thread, and
training, whose step is a few large matrix products, takes the cores. Training at more than
two threads was not measured: the cap of 4 keeps a d_model-128 step's products from being
cut finer than they were here.

Configurable: ``$MOTION_ASSETS_TORCH_THREADS`` (the operator's choice for a machine) wins,
else the encoder config's ``train.num_threads``, else :data:`DEFAULT_THREADS` (training:
:func:`training_threads`).

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
MAX_TRAINING_THREADS = 4


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


def training_threads(configured: int | None = None) -> int:
    """The thread count training runs at: as :func:`torch_threads` where the environment or
    ``configured`` names one, else this process's cores (at most :data:`MAX_TRAINING_THREADS`)
    when OpenMP's waiting threads sleep, else one."""
    if os.environ.get(THREADS_VARIABLE, "").strip() or configured is not None:
        return torch_threads(configured)
    if not waiting_threads_sleep():
        return DEFAULT_THREADS
    return max(1, min(MAX_TRAINING_THREADS, len(os.sched_getaffinity(0))))


def waiting_threads_sleep() -> bool:
    """Whether this process's OpenMP threads wait asleep (read by OpenMP when torch loaded)."""
    return os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"


def use_torch_threads(configured: int | None = None, *, training: bool = False) -> int:
    """Apply :func:`torch_threads` (:func:`training_threads` when ``training``) to this
    process (cheap when it is already set)."""
    threads = training_threads(configured) if training else torch_threads(configured)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


# one controller of the BLAS libraries only: finding them costs ~4 ms, and a controller of
# every pool would, on leaving the limit, also restore torch's OpenMP pool to its count on entry
_BLAS: list = []


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
        _BLAS.append(ThreadpoolController().select(user_api="blas"))
    return _BLAS[0].limit(limits=threads, user_api="blas")
