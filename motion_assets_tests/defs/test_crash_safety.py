"""Published artifacts stay usable: SIGKILL at each publish (table, model version, bundle manifest,
scores) leaves what was published byte-identical and the previous version current, a rerun
completes and leaves no temporary file behind; a rollback is re-pointing."""

import fnmatch
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster._serdes import serialize_value

from motion_assets.core.files.atomic_write import TEMPORARY_PREFIX
from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.manifest import read_current
from motion_assets.core.files.model_versions import read_current_version
from motion_assets.core.scoring.bundle import bundle_from_bytes
from motion_assets.core.synthetic import MAIN_VARIANT
from motion_assets.defs.model_records import record_rollback

REPOSITORY = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 600  # generous: the machine is shared; a run that finishes fails at once


def published_files(storage: Path) -> dict[str, bytes]:
    return {str(p.relative_to(storage)): p.read_bytes() for p in storage.rglob("*")
            if p.is_file() and not p.name.startswith(TEMPORARY_PREFIX)}


def temporaries(storage: Path) -> list[str]:
    return [str(p.relative_to(storage)) for p in storage.rglob(f"{TEMPORARY_PREFIX}*")]


def kill_at_publish(pipeline, tmp_path, selection, destination, run_config=None) -> None:
    """Materialize ``selection`` in a child process and SIGKILL it just before the atomic
    rename onto a path matching ``destination`` (an fnmatch pattern under the storage root)."""
    ready = tmp_path / "ready"
    folders = pipeline.resources["folders"]
    spec = {
        "instance_ref": serialize_value(pipeline.instance.get_ref()),
        "resources": {"inference_root": folders.inference_root, "labelled_root": folders.labelled_root,
                      "incoming_root": folders.incoming_root, "storage": str(pipeline.storage)},
        "partition": MAIN_VARIANT, "selection": selection, "run_config": run_config or {},
        "destination": str(pipeline.storage / destination), "ready_file": str(ready),
    }
    child = subprocess.Popen([sys.executable, "-m", "motion_assets_tests.defs.kill_during_write",
                              json.dumps(spec)], cwd=REPOSITORY, stderr=subprocess.PIPE)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if not ready.exists():
        child.kill()
        pytest.fail(f"the child never reached the publish:\n{child.communicate()[1].decode()[-3000:]}")
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL


def assert_unchanged(before: dict[str, bytes], after: dict[str, bytes], *new_allowed: str):
    assert {name: after.get(name) for name in before} == before
    new = set(after) - set(before)
    assert all(any(fnmatch.fnmatch(name, allowed) for allowed in new_allowed) for name in new), new


# The CLI's runtime export is written by the bundle's step before the bundle file: a bundle that
# never became current leaves its export behind, inert (the CLI takes only the export of the
# hash the manifest names: motion_assets_tests/cli/test_score_runtime.py)
ORPHAN_EXPORT = f"scoring_bundle/{MAIN_VARIANT}/*.runtime.npz"


def current_bundle(pipeline):
    data, current = read_current_version(StorageLayout(str(pipeline.storage)), "scoring_bundle", MAIN_VARIANT)
    return bundle_from_bytes(data, current.sha256)


def incoming(pipeline) -> list[str]:
    root = pipeline.tree.incoming_root / MAIN_VARIANT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.codes.json"))


def scoring(files: list[str]) -> dict:
    return {"ops": {"online_scores": {"config": {"files": files}}}}


def test_killed_while_publishing_a_table_the_last_good_one_stays(pipeline, tmp_path):
    before = published_files(pipeline.storage)
    kill_at_publish(pipeline, tmp_path, ["code_sequences", "rejected_files"],
                    f"code_sequences/{MAIN_VARIANT}.parquet")
    assert_unchanged(before, published_files(pipeline.storage))
    assert temporaries(pipeline.storage)  # the dead writer's file, invisible to readers
    pipeline.materialize(["code_sequences", "rejected_files"])
    assert temporaries(pipeline.storage) == []


def test_killed_while_storing_a_model_version_the_current_one_stays(pipeline, tmp_path):
    # Every model asset goes through the one model I/O manager; the bundle is the cheapest to
    # rebuild. A threshold override makes its bytes new (the same bytes are never written twice).
    before = published_files(pipeline.storage)
    kill_at_publish(pipeline, tmp_path, ["scoring_bundle"], f"scoring_bundle/{MAIN_VARIANT}/*.bin",
                    {"ops": {"scoring_bundle": {"config": {"threshold": 0.31}}}})
    assert_unchanged(before, published_files(pipeline.storage), ORPHAN_EXPORT)
    pipeline.materialize(["scoring_bundle"])
    assert temporaries(pipeline.storage) == []


def test_killed_between_bundle_file_and_manifest_the_previous_bundle_still_scores(pipeline, tmp_path):
    previous = current_bundle(pipeline).provenance["bundle_sha256"]
    before = published_files(pipeline.storage)
    kill_at_publish(pipeline, tmp_path, ["scoring_bundle"], f"scoring_bundle/{MAIN_VARIANT}/current.json",
                    {"ops": {"scoring_bundle": {"config": {"threshold": 0.32}}}})
    assert_unchanged(before, published_files(pipeline.storage),
                     f"scoring_bundle/{MAIN_VARIANT}/*.bin", ORPHAN_EXPORT)
    assert current_bundle(pipeline).provenance["bundle_sha256"] == previous
    pipeline.materialize(["scoring_bundle"])
    assert temporaries(pipeline.storage) == []


def test_killed_while_writing_scores_the_stored_scores_stay(pipeline, tmp_path):
    pipeline.materialize(["online_scores"], scoring(incoming(pipeline)[:4]))
    before = published_files(pipeline.storage)
    new_files = scoring(incoming(pipeline)[4:8])  # files scored before add no part: nothing to kill
    kill_at_publish(pipeline, tmp_path, ["online_scores"], "online_scores/*", new_files)
    assert_unchanged(before, published_files(pipeline.storage))
    pipeline.materialize(["online_scores"], new_files)
    assert temporaries(pipeline.storage) == []


def test_a_rollback_makes_both_the_manifest_and_the_pipeline_use_the_older_bundle(pipeline):
    layout = StorageLayout(str(pipeline.storage))
    older = read_current(layout, "scoring_bundle", MAIN_VARIANT).sha256
    pipeline.materialize(["scoring_bundle"], {"ops": {"scoring_bundle": {"config": {"threshold": 0.33}}}})
    assert read_current(layout, "scoring_bundle", MAIN_VARIANT).sha256 != older
    record_rollback(pipeline.instance, layout, "scoring_bundle", MAIN_VARIANT, older)
    assert current_bundle(pipeline).provenance["bundle_sha256"] == older
    result = pipeline.materialize(["online_scores"], scoring(incoming(pipeline)[8:10]))
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["bundle_hash"].value == older
