"""The model I/O manager: versions per content, loads what the instance recorded, keeps scored bundles."""

import os

import pandas as pd
from dagster import (
    AssetMaterialization,
    build_input_context,
    build_output_context,
    instance_for_test,
)

from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.manifest import read_current
from motion_assets.core.files.model_versions import stored_versions
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.defs.storage import ModelFileIOManager, write_table


def store(manager: ModelFileIOManager, data: bytes, age: int = 0) -> str:
    # Entered and left: a built context left open keeps its ephemeral instance current.
    with build_output_context(asset_key="scoring_bundle", partition_key="v1", run_id=f"run-{age}") as context:
        manager.handle_output(context, data)
    path = manager.layout.model_version("scoring_bundle", "v1", sha256_hex(data)).path
    os.utime(path, (os.path.getmtime(path) - age,) * 2)
    return sha256_hex(data)


def test_a_bundle_a_stored_score_references_survives_retention(tmp_path):
    manager = ModelFileIOManager(StorageLayout(str(tmp_path)), keep_versions=2)
    scored = store(manager, b"bundle 1", age=40)
    write_table(manager.layout.part("online_scores", "v1", "0001"), pd.DataFrame({"bundle_hash": [scored]}))
    unscored = store(manager, b"bundle 2", age=30)
    newer = [store(manager, b"bundle 3", age=20), store(manager, b"bundle 4", age=10)]
    assert set(stored_versions(manager.layout, "scoring_bundle", "v1")) == {scored, *newer}
    assert unscored not in stored_versions(manager.layout, "scoring_bundle", "v1")


def test_loading_follows_the_instance_record_not_a_manifest_that_moved_ahead(tmp_path):
    manager = ModelFileIOManager(StorageLayout(str(tmp_path)), keep_versions=5)
    recorded = store(manager, b"recorded bundle")
    store(manager, b"written, then killed before it was recorded")
    with instance_for_test() as instance:
        instance.report_runless_asset_event(AssetMaterialization(
            "scoring_bundle", partition="v1", metadata={"content_hash": recorded}))
        with build_input_context(asset_key="scoring_bundle", partition_key="v1", instance=instance) as context:
            assert manager.load_input(context) == b"recorded bundle"
    assert read_current(manager.layout, "scoring_bundle", "v1").sha256 != recorded


def test_without_a_record_loading_takes_the_manifests_version(tmp_path):
    manager = ModelFileIOManager(StorageLayout(str(tmp_path)), keep_versions=5)
    store(manager, b"old")
    store(manager, b"current")
    with (instance_for_test() as instance,
          build_input_context(asset_key="scoring_bundle", partition_key="v1", instance=instance) as context):
        assert manager.load_input(context) == b"current"
