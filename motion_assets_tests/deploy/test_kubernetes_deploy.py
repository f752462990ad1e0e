"""deploy/helm/values.yaml and the encoder step's Kubernetes tags, read by the real libraries.

No cluster here: dagster-k8s builds the step's Job object exactly as its executor would submit
it, and the Helm values are checked against what the code and deploy/dagster.yaml say.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from motion_assets.defs.executors import EXECUTOR_ENV, GPU_STEP_TAGS, executor_from_environment

dagster_k8s_job = pytest.importorskip("dagster_k8s.job")

REPO = Path(__file__).resolve().parents[2]
VALUES = yaml.safe_load((REPO / "deploy" / "helm" / "values.yaml").read_text())
INSTANCE = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
DEPLOYMENT = VALUES["dagster-user-deployments"]["deployments"][0]


def _encoder_step_job():
    from motion_assets.definitions import defs

    encoder = defs.resolve_assets_def("sequence_encoder")
    tags = encoder.node_def.tags
    config = dagster_k8s_job.get_user_defined_k8s_config(tags)
    job_config = dagster_k8s_job.DagsterK8sJobConfig(
        job_image="registry.example.com/motion-assets:0.1.0",
        dagster_home="/opt/dagster/dagster_home", instance_config_map="dagster-instance")
    return dagster_k8s_job.construct_dagster_k8s_job(
        job_config, ["dagster", "api", "execute_step"], "encoder-step", config)


def test_the_encoder_step_pod_asks_for_a_gpu_on_a_gpu_node():
    pod = _encoder_step_job().spec.template.spec
    assert pod.containers[0].resources.limits == {"nvidia.com/gpu": "1"}
    assert pod.node_selector == {"motion-assets/accelerator": "gpu"}
    assert [(t.key, t.effect) for t in pod.tolerations] == [("nvidia.com/gpu", "NoSchedule")]


def test_the_encoder_step_goes_to_the_celery_gpu_queue():
    from motion_assets.definitions import defs

    tags = defs.resolve_assets_def("sequence_encoder").node_def.tags
    assert tags["dagster-celery/queue"] == GPU_STEP_TAGS["dagster-celery/queue"] == "gpu"


def test_the_helm_code_location_loads_the_module_it_names():
    import importlib

    arguments = DEPLOYMENT["dagsterApiGrpcArgs"]
    module = importlib.import_module(arguments[arguments.index("-m") + 1])
    assert module.defs.resolve_job_def("variant_pipeline") is not None


def test_the_helm_environment_names_only_variables_the_code_reads():
    package = "\n".join(path.read_text() for path in (REPO / "motion_assets").rglob("*.py"))
    read_by_code = set(re.findall(r"MOTION_ASSETS_[A-Z_]+", package))
    named = {entry["name"] for entry in DEPLOYMENT["env"]}
    assert named <= read_by_code, sorted(named - read_by_code)


def test_the_helm_executor_is_one_the_code_builds():
    executor = {entry["name"]: entry["value"] for entry in DEPLOYMENT["env"]}[EXECUTOR_ENV]
    from dagster_k8s import k8s_job_executor

    assert executor_from_environment({EXECUTOR_ENV: executor}) is k8s_job_executor


def test_the_helm_run_queue_limits_equal_the_instance_file():
    coordinator = VALUES["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    runs = INSTANCE["concurrency"]["runs"]
    assert coordinator["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    assert coordinator["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    monitoring = VALUES["dagsterDaemon"]["runMonitoring"]
    assert monitoring["startTimeoutSeconds"] == INSTANCE["run_monitoring"]["start_timeout_seconds"]
    assert monitoring["maxResumeRunAttempts"] == INSTANCE["run_monitoring"]["max_resume_run_attempts"]


def test_multiprocess_steps_fork_from_a_server_that_imported_the_definitions_once():
    from motion_assets.defs.executors import PRELOADED_MODULE, STEP_START_ENV, step_start_method

    assert step_start_method({}) == {"forkserver": {"preload_modules": [PRELOADED_MODULE]}}
    assert step_start_method({STEP_START_ENV: "spawn"}) == {"spawn": {}}
    with pytest.raises(ValueError, match=STEP_START_ENV):
        executor_from_environment({EXECUTOR_ENV: "multiprocess", STEP_START_ENV: "fork"})
