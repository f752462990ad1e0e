"""Write, audit, publish: a code_sequences table whose blocking checks fail never replaces the last good one."""

import dataclasses
import json
from collections.abc import Callable

import pandas as pd
import pytest
from dagster import AssetKey, instance_for_test, materialize

from motion_assets.core.files.layout import StorageLayout
from motion_assets.definitions import ASSETS
from motion_assets.defs.resources import build_resources

VARIANT = "audited_cb2048"
STRICT = {"ops": {"code_sequences": {"config": {"max_rejected_share": 0.1}}}}


def write_sequence(folder, n, codes):
    path = folder / "D01_1" / "code_indices" / f"segment_{n:04d}_startwin_{n:06d}.codes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"codes_windows": [codes, [c + 1 for c in codes]]}))


@dataclasses.dataclass
class Audited:
    folder: object
    layout: StorageLayout
    instance: object
    run: Callable


@pytest.fixture
def audited(tmp_path):
    """A variant of four good files, ingested and published once; an instance kept open."""
    folder = tmp_path / "inference" / VARIANT
    for n in range(4):
        write_sequence(folder, n, [n, n + 7, n + 9])
    resources = build_resources(inference_root=str(tmp_path / "inference"), storage=str(tmp_path / "storage"))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [VARIANT])

        def run(run_config=STRICT):
            return materialize(ASSETS, instance=instance, partition_key=VARIANT, resources=resources,
                               selection=["code_sequences", "rejected_files", "codebook_usage"],
                               run_config=run_config, raise_on_error=False)

        assert run().success
        yield Audited(folder, StorageLayout(str(tmp_path / "storage")), instance, run)


def test_a_table_failing_a_blocking_check_is_set_aside_and_the_published_one_stays(audited):
    published = {asset: audited.layout.table(asset, VARIANT).read_bytes()
                 for asset in ("code_sequences", "rejected_files")}
    write_sequence(audited.folder, 9, [1, 5000])  # one bad file in five: over the 10% limit
    result = audited.run()
    assert not result.success
    assert {asset: audited.layout.table(asset, VARIANT).read_bytes() for asset in published} == published
    aside = {asset: pd.read_parquet(audited.layout.failed_checks_table(asset, VARIANT).path)
             for asset in published}
    assert len(aside["code_sequences"]) == 4 and len(aside["rejected_files"]) == 1
    assert result.get_asset_materialization_events() == []  # downstream never ran either


def test_the_failed_check_names_the_table_set_aside(audited):
    write_sequence(audited.folder, 9, [1, 5000])
    evaluation = next(e for e in audited.run().get_asset_check_evaluations()
                      if e.asset_check_key.name == "rejected_share_below_threshold")
    assert not evaluation.passed
    assert evaluation.metadata["failed_checks_table/code_sequences"].value == str(
        audited.layout.failed_checks_table("code_sequences", VARIANT))


def test_the_latest_materialization_stays_the_published_table(audited):
    before = audited.instance.get_latest_materialization_event(AssetKey("code_sequences")).run_id
    write_sequence(audited.folder, 9, [1, 5000])
    audited.run()
    assert audited.instance.get_latest_materialization_event(AssetKey("code_sequences")).run_id == before


def test_publishing_again_removes_the_copy_set_aside(audited):
    write_sequence(audited.folder, 9, [1, 5000])
    audited.run()
    assert audited.run({"ops": {"code_sequences": {"config": {"max_rejected_share": 0.5}}}}).success
    assert not audited.layout.failed_checks_table("code_sequences", VARIANT).exists()
    assert len(pd.read_parquet(audited.layout.table("code_sequences", VARIANT).path)) == 4
