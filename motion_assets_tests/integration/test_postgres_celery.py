"""deploy/ for real: a Postgres instance, the daemon, Celery workers on Redis.

The daemon's variant_folder_sensor starts the two variants' pipelines, the queued run
coordinator runs them at the same time, every step runs in a Celery worker, then
new_tokenizer_output_sensor scores the incoming files; the tables equal an embedded run's.
One deployment (minutes) serves every test of the module.
"""

import dataclasses
import glob
import os
import shutil
import sys
import time

import pandas as pd
import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    RunsFilter,
    instance_for_test,
    materialize,
)
from dagster._core.storage.dagster_run import FINISHED_STATUSES

from motion_assets.core.synthetic import (
    MAIN_VARIANT,
    SECOND_CAMERA_VARIANT,
    SyntheticSpec,
    VariantSpec,
    write_tokenizer_output,
)
from motion_assets.definitions import ASSETS, defs
from motion_assets.defs.config_files import run_config_from_folder
from motion_assets.defs.jobs import variant_pipeline
from motion_assets.defs.resources import build_resources
from motion_assets_tests.integration.conftest import background, stop_processes_of
from motion_assets_tests.tiny_configs import REPO, write_tiny_configs

pytestmark = pytest.mark.integration

VARIANTS = (MAIN_VARIANT, SECOND_CAMERA_VARIANT)
DEADLINE_SECONDS = 1500
# Columns that say when or by which run a row was made, not what it holds. bundle_hash too:
# the scoring bundle records when it was made (provenance.created), so two equal bundles
# hash apart; every score they give is compared. scoring_id is the bundle hash plus thresholds.
WHEN_COLUMNS = {"scored_at", "run_id", "bundle_hash", "scoring_id"}


def tiny_tree(root):
    variants = tuple(VariantSpec(name, camera=camera, n_videos=4, segments_per_video=20,
                                 labelled=20, incoming_videos=1, incoming_segments_per_video=8)
                     for camera, name in enumerate(VARIANTS, start=1))
    return write_tokenizer_output(root, dataclasses.replace(
        SyntheticSpec.demo(seed=11), variants=variants, bad_share=0.0))


PIPELINE_JOBS = {"variant_pipeline", "score_sequences"}


@dataclasses.dataclass
class Deployment:
    instance: DagsterInstance
    storage: str
    tree: object
    configs: str
    logs: dict


def _finished(instance, job_name: str) -> dict[str, list]:
    runs: dict[str, list] = {}
    for run in instance.get_runs(RunsFilter(job_name=job_name)):
        runs.setdefault(run.tags.get("dagster/partition"), []).append(run)
    return runs


def _wait_until_scored(instance, processes: dict, logs: dict) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited ({process.returncode}):\n{logs[name].read_text()[-3000:]}")
        failed = [run for run in instance.get_runs()
                  if run.status in FINISHED_STATUSES and run.status != DagsterRunStatus.SUCCESS]
        if failed:
            return  # the tests say which
        scored = _finished(instance, "score_sequences")
        if all(v in scored and all(r.status == DagsterRunStatus.SUCCESS for r in scored[v])
               for v in VARIANTS):
            return
        time.sleep(5)
    pytest.fail(f"not every variant was scored within {DEADLINE_SECONDS} s:\n"
                + "\n".join(f"{r.job_name} {r.tags.get('dagster/partition')} {r.status}"
                            for r in instance.get_runs()))


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, postgres_url, redis_url):
    root = tmp_path_factory.mktemp("deployment")
    tree = tiny_tree(root / "data")
    configs = write_tiny_configs(root / "configs")
    home = root / "home"
    home.mkdir()
    shutil.copy(os.path.join(REPO, "deploy", "dagster.yaml"), home / "dagster.yaml")
    storage = str(root / "storage")
    bin_dir = os.path.dirname(sys.executable)
    env = {
        **os.environ, "DAGSTER_HOME": str(home), "DAGSTER_POSTGRES_URL": postgres_url,
        "MOTION_ASSETS_EXECUTOR": "celery", "MOTION_ASSETS_CELERY_BROKER": redis_url,
        "MOTION_ASSETS_INFERENCE_ROOT": str(tree.inference_root),
        "MOTION_ASSETS_LABELLED_ROOT": str(tree.labelled_root),
        "MOTION_ASSETS_INCOMING_ROOT": str(tree.incoming_root),
        "MOTION_ASSETS_STORAGE": storage, "MOTION_ASSETS_CONFIGS": configs,
        "PYTHONPATH": os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")])),
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),  # dagster-celery runs celery
    }
    logs = {"worker": root / "worker.log", "daemon": root / "daemon.log"}
    os.environ["DAGSTER_POSTGRES_URL"] = postgres_url  # the instance's yaml reads it
    try:
        with (
            background([os.path.join(bin_dir, "dagster-celery"), "worker", "start",
                        "-A", "dagster_celery.app", "-y", os.path.join(REPO, "deploy", "celery.yaml"),
                        # one -q: celery 5 keeps only the last of several -Q options
                        "-q", "dagster,gpu", "--", "--concurrency=2"],
                       env, logs["worker"], REPO) as worker,
            background([os.path.join(bin_dir, "dagster-daemon"), "run", "-w", "workspace.yaml"],
                       env, logs["daemon"], REPO) as daemon,
            DagsterInstance.from_config(str(home)) as instance,
        ):
            _wait_until_scored(instance, {"worker": worker, "daemon": daemon}, logs)
            yield Deployment(instance, storage, tree, configs, logs)
    finally:
        stop_processes_of(home)  # code servers and run workers the daemon left behind
        os.environ.pop("DAGSTER_POSTGRES_URL", None)


def _run_window(instance, run) -> tuple[float, float]:
    record = instance.get_run_record_by_id(run.run_id)
    return record.start_time, record.end_time


def test_every_run_succeeded(deployment):
    # taxonomy_sensor may also have proposed new actions from the fresh scores
    runs = [r for r in deployment.instance.get_runs() if r.job_name in PIPELINE_JOBS]
    assert {r.job_name for r in runs} == PIPELINE_JOBS
    assert all(r.status == DagsterRunStatus.SUCCESS for r in runs), [
        (r.job_name, r.tags.get("dagster/partition"), r.status) for r in runs]


def test_the_two_variants_ran_at_the_same_time(deployment):
    pipelines = _finished(deployment.instance, "variant_pipeline")
    assert sorted(pipelines) == sorted(VARIANTS)
    (start_a, end_a), (start_b, end_b) = (_run_window(deployment.instance, pipelines[v][0])
                                          for v in VARIANTS)
    assert start_a < end_b and start_b < end_a


def test_every_step_ran_in_a_celery_worker(deployment):
    instance = deployment.instance
    for run in instance.get_runs():
        if run.job_name not in PIPELINE_JOBS:
            continue
        steps = {r.event_log_entry.step_key for r in instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.STEP_SUCCESS).records}
        in_worker = {r.event_log_entry.step_key for r in instance.get_records_for_run(
            run.run_id, of_type=DagsterEventType.ENGINE_EVENT).records
            if "in celery worker" in (r.event_log_entry.dagster_event.message or "")}
        assert steps and steps <= in_worker, (run.job_name, steps - in_worker)


def test_new_files_were_scored_by_runs_the_sensor_requested(deployment):
    scoring = _finished(deployment.instance, "score_sequences")
    assert sorted(scoring) == sorted(VARIANTS)
    for runs in scoring.values():
        assert all(r.tags.get("dagster/sensor_name") == "new_tokenizer_output_sensor" for r in runs)
    records = deployment.instance.fetch_materializations(AssetKey("online_scores"), limit=10).records
    assert {r.partition_key for r in records} == set(VARIANTS)


def _tables(storage: str, variant: str) -> dict[str, pd.DataFrame]:
    found = {}
    for path in glob.glob(os.path.join(storage, "*", f"{variant}.parquet")) + glob.glob(
            os.path.join(storage, "*", variant, "*.parquet")):
        asset = os.path.relpath(path, storage).split(os.sep)[0]
        frame = pd.read_parquet(path)
        found[asset] = pd.concat([found[asset], frame]) if asset in found else frame
    return {asset: frame.drop(columns=[c for c in frame.columns if c in WHEN_COLUMNS])
            .sort_values(list(frame.columns[:1])).reset_index(drop=True)
            for asset, frame in found.items()}


def test_tables_equal_those_of_an_embedded_run(deployment, tmp_path):
    variant = MAIN_VARIANT
    storage = str(tmp_path / "embedded")
    tree = deployment.tree
    resources = build_resources(inference_root=str(tree.inference_root),
                                labelled_root=str(tree.labelled_root),
                                incoming_root=str(tree.incoming_root), storage=storage)
    selection = variant_pipeline.selection
    names = {key.to_user_string() for key in selection.resolve(defs.resolve_asset_graph())}
    scored_files = sorted(set(pd.concat(
        [frame for asset, frame in _tables(deployment.storage, variant).items()
         if asset == "online_scores"])["path"]))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [variant])
        for chosen, run_config in (
            (selection, run_config_from_folder(deployment.configs, names)),
            (["online_scores"], {"ops": {"online_scores": {"config": {"files": scored_files}}}}),
        ):
            assert materialize(ASSETS, instance=instance, partition_key=variant, resources=resources,
                               selection=chosen, run_config=run_config).success
    deployed, embedded = _tables(deployment.storage, variant), _tables(storage, variant)
    deployed.pop("new_action_candidates", None)  # from taxonomy_sensor's own runs, if any yet
    assert sorted(deployed) == sorted(embedded)
    for asset in deployed:
        pd.testing.assert_frame_equal(deployed[asset], embedded[asset], obj=asset)
