"""``motion-assets run`` makes real runs of the jobs in the instance, runs every variant even when
one fails, and scores the incoming files through ``score_sequences``.

One command line (the slow part: a code server and one run process per run) serves every test.
Its steps run on the multiprocess executor, forked from a forkserver that preloaded the
definitions, as a deployment beyond the embedded default runs them.
"""

import dataclasses
import glob
import os
import subprocess
import sys

import pandas as pd
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from motion_assets.core.synthetic import (
    MAIN_VARIANT,
    SyntheticSpec,
    VariantSpec,
    write_tokenizer_output,
)
from motion_assets_tests.tiny_configs import REPO, write_tiny_configs

BAD_VARIANT = "broken_variant"


@dataclasses.dataclass
class Ran:
    done: subprocess.CompletedProcess
    home: str
    storage: str
    tree: object


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli_run")
    main = VariantSpec(MAIN_VARIANT, n_videos=4, segments_per_video=20, labelled=0,
                       incoming_videos=1, incoming_segments_per_video=8)
    tree = write_tokenizer_output(root / "data", dataclasses.replace(
        SyntheticSpec.demo(seed=5), variants=(main,), bad_share=0.0))
    broken = tree.inference_root / BAD_VARIANT / "video1" / "code_indices"
    broken.mkdir(parents=True)
    for number in range(3):
        (broken / f"seg{number}.codes.json").write_text("not json")
    home, storage = root / "home", root / "storage"
    command = os.path.join(os.path.dirname(sys.executable), "motion-assets")
    done = subprocess.run(
        [command, "run", "--inference-root", str(tree.inference_root),
         "--incoming-root", str(tree.incoming_root), "--storage", str(storage),
         "--configs", write_tiny_configs(root / "configs"),
         "--select", "*scoring_bundle,online_scores"],
        check=False, capture_output=True, text=True, timeout=1200, cwd=REPO,
        env={**os.environ, "DAGSTER_HOME": str(home), "MOTION_ASSETS_EXECUTOR": "multiprocess"},
    )
    return Ran(done, str(home), str(storage), tree)


def _runs(ran: Ran, job_name: str):
    with DagsterInstance.from_config(ran.home) as instance:
        return instance.get_runs(RunsFilter(job_name=job_name))


def test_a_failed_variant_does_not_stop_the_others_and_fails_the_command(ran):
    assert ran.done.returncode == 1, ran.done.stdout + ran.done.stderr
    assert f"{MAIN_VARIANT}: ok" in ran.done.stdout
    assert f"{BAD_VARIANT}: FAILED" in ran.done.stdout
    assert "rejected_share_below_threshold" in ran.done.stdout


def test_each_variant_is_a_run_of_variant_pipeline_in_the_instance(ran):
    runs = {run.tags["dagster/partition"]: run for run in _runs(ran, "variant_pipeline")}
    assert runs[MAIN_VARIANT].status == DagsterRunStatus.SUCCESS
    assert runs[BAD_VARIANT].status == DagsterRunStatus.FAILURE
    origin = runs[MAIN_VARIANT].remote_job_origin  # what the UI needs to re-execute it
    assert origin.job_name == "variant_pipeline"
    assert origin.repository_origin.code_location_origin.location_name == "motion_assets.definitions"


def test_the_selection_is_the_runs_asset_selection(ran):
    run = next(r for r in _runs(ran, "variant_pipeline") if r.tags["dagster/partition"] == MAIN_VARIANT)
    selected = {key.to_user_string() for key in run.asset_selection}
    assert {"code_sequences", "rejected_files", "sequence_encoder", "scoring_bundle"} <= selected
    assert "umap_projection" not in selected


def test_incoming_files_are_scored_by_a_run_of_score_sequences(ran):
    scoring = _runs(ran, "score_sequences")
    assert [run.tags["dagster/partition"] for run in scoring] == [MAIN_VARIANT]
    assert scoring[0].status == DagsterRunStatus.SUCCESS
    parts = glob.glob(os.path.join(ran.storage, "online_scores", "**", "*.parquet"), recursive=True)
    scores = pd.concat([pd.read_parquet(part) for part in parts])
    incoming = ran.tree.incoming_root / MAIN_VARIANT
    expected = {os.path.relpath(path, incoming) for path in glob.glob(
        os.path.join(incoming, "**", "*.codes.json"), recursive=True)}
    assert expected and set(scores["path"]) == expected


def test_each_step_runs_in_a_process_of_its_own_on_the_multiprocess_executor(ran):
    run = next(r for r in _runs(ran, "variant_pipeline") if r.tags["dagster/partition"] == MAIN_VARIANT)
    with DagsterInstance.from_config(ran.home) as instance:
        records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.STEP_START).records
        engine = [e.user_message for e in instance.all_logs(run.run_id)
                  if e.dagster_event and e.dagster_event.event_type == DagsterEventType.ENGINE_EVENT]
    step_pids = {record.event_log_entry.dagster_event.pid for record in records}
    assert len(records) > 3 and len(step_pids) == len(records)  # one process per step
    assert any("multiprocess executor" in line for line in engine)
