"""Checks are evaluated per dataset variant: one variant's result never hides another's."""

import json

from dagster import AssetCheckKey, AssetKey, instance_for_test, materialize

from motion_assets.definitions import ASSETS
from motion_assets.defs.resources import build_resources

CLEAN, DUPLICATED = "v_clean_cb2048", "v_duplicated_cb2048"


def write_segment(folder, number, start, codes):
    path = folder / "D01_1" / "code_indices" / f"segment_{number:04d}_startwin_{start:06d}.codes.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"codes_windows": codes, "selected_win_idxs": [start, start + 1]}))


def test_a_warning_on_one_variant_stays_visible_after_another_variant_passes(tmp_path):
    inference = tmp_path / "inference"
    for number in range(3):
        write_segment(inference / CLEAN, number, number * 5, [[number, 1, 2], [3, 4, number]])
        write_segment(inference / DUPLICATED, number, 0, [[7, 1, 2], [3, 4, 7]])  # same segment 3x
    resources = build_resources(inference_root=str(inference), storage=str(tmp_path / "storage"))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [DUPLICATED, CLEAN])
        for variant in (DUPLICATED, CLEAN):  # the clean variant runs last
            materialize(ASSETS, instance=instance, partition_key=variant, resources=resources,
                        selection=["code_sequences", "rejected_files"])
        key = AssetCheckKey(AssetKey("code_sequences"), "no_duplicate_segments")
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
        passed = {record.partition: record.event.dagster_event.event_specific_data.passed
                  for record in history}
    assert passed == {DUPLICATED: False, CLEAN: True}
