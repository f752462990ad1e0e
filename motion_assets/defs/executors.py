"""Which executor runs a run's steps: the deployment chooses (MOTION_ASSETS_EXECUTOR), not the code.

- ``in_process`` (default, the embedded instance): one process, torch and sklearn imported once,
  no thread oversubscription on a small machine, SQLite not contended.
- ``multiprocess``: a process per step on the run's machine, at most
  MOTION_ASSETS_MAX_CONCURRENT_STEPS (default 2) at once, forked from a forkserver that has
  imported the code location once (MOTION_ASSETS_STEP_START=spawn: each step imports it
  itself, as Dagster does by default).
- ``celery``: every step is a task on a Celery broker (MOTION_ASSETS_CELERY_BROKER, e.g.
  ``redis://host:6379/0``), executed by ``dagster-celery worker`` processes on any machine that
  reaches the instance's Postgres and the storage; the encoder step goes to the ``gpu`` queue.
- ``k8s``: every step is a Kubernetes job (dagster-k8s); the encoder step asks for a GPU node.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster import ExecutorDefinition, in_process_executor, multiprocess_executor

EXECUTOR_ENV = "MOTION_ASSETS_EXECUTOR"
STEP_START_ENV = "MOTION_ASSETS_STEP_START"
PRELOADED_MODULE = "motion_assets.definitions"

# Tags of the encoder training step: the Celery queue its workers have a GPU for, and the pod
# settings that put it on a GPU node (the nvidia device plugin's resource and usual taint).
GPU_STEP_TAGS = {
    "dagster-celery/queue": "gpu",
    "dagster-k8s/config": {
        "container_config": {"resources": {"limits": {"nvidia.com/gpu": "1"}}},
        "pod_spec_config": {
            "node_selector": {"motion-assets/accelerator": "gpu"},
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        },
    },
}


def executor_from_environment(environ: Mapping[str, str] = os.environ) -> ExecutorDefinition:
    name = environ.get(EXECUTOR_ENV, "in_process")
    if name == "in_process":
        return in_process_executor
    if name == "multiprocess":
        steps = int(environ.get("MOTION_ASSETS_MAX_CONCURRENT_STEPS", "2"))
        return multiprocess_executor.configured(
            {"max_concurrent": steps, "start_method": step_start_method(environ)}, name="multiprocess")
    if name == "celery":
        from dagster_celery import celery_executor

        broker = environ.get("MOTION_ASSETS_CELERY_BROKER")
        if not broker:
            raise ValueError(f"{EXECUTOR_ENV}=celery needs MOTION_ASSETS_CELERY_BROKER (redis://...)")
        backend = environ.get("MOTION_ASSETS_CELERY_BACKEND", broker)
        return celery_executor.configured({"broker": broker, "backend": backend}, name="celery")
    if name == "k8s":
        from dagster_k8s import k8s_job_executor

        return k8s_job_executor
    raise ValueError(f"{EXECUTOR_ENV}={name!r}: expected in_process, multiprocess, celery or k8s")


def step_start_method(environ: Mapping[str, str]) -> dict:
    """How the multiprocess executor starts a step's process. A spawned step imports Dagster,
    torch, sklearn and the definitions before it starts: a step began 43-49 s after the one it
    waited for when spawned, 4-6 s when forked (four runs alternating, load ~8; BENCHMARKS "The
    whole graph at scale"). Nothing touches CUDA at import, so a forked step can still use it."""
    start = environ.get(STEP_START_ENV, "forkserver")
    if start == "spawn":
        return {"spawn": {}}
    if start == "forkserver":
        return {"forkserver": {"preload_modules": [PRELOADED_MODULE]}}
    raise ValueError(f"{STEP_START_ENV}={start!r}: expected forkserver or spawn")
