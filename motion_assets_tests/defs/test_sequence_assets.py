"""code_sequences, rejected_files, codebook_usage and labelled_sequences through materialize."""

import json

import pandas as pd
import pytest
from dagster import instance_for_test, materialize

from motion_assets.definitions import ASSETS
from motion_assets.defs.resources import build_resources

VARIANT = "epochs5_complete500_d01_m10_cb2048_stride4"


def write(path, document):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document, indent=2))


@pytest.fixture
def tree(tmp_path):
    variant = tmp_path / "inference" / VARIANT
    for n in range(4):
        windows = [[(n * 7 + w * 3 + j) % 1920 for j in range(14)] for w in range(3)]
        write(variant / "D01_1" / "code_indices" / f"segment_{n:04d}_startwin_{n:06d}.codes.json",
              {"codes_windows": windows, "selected_win_idxs": [n, n + 1, n + 2],
               "window": {"T": 15, "stride": 4, "target_fps": 10}})
    write(variant / "D01_1" / "code_indices" / "segment_0009_startwin_000009.codes.json",
          {"codes_windows": [[1, 5000]]})
    write(variant / "D01_1" / "D01_1_perf_summary.json", {"fps": 9.8})
    labelled = tmp_path / "labelled" / VARIANT
    for label, n in (("videos_ok", 0), ("videos_nok_eletric", 1), ("videos_nok_apperance", 2)):
        write(labelled / label / "codes" / f"s{n}.codes.json", {"codes_windows": [[n, 2], [3, 4]]})
    return tmp_path


# one bad file in five: allowed here, so the other assets run
LENIENT = {"ops": {"code_sequences": {"config": {"max_rejected_share": 0.5}}}}


def run(tree, selection=None, run_config=LENIENT, raise_on_error=True):
    resources = build_resources(
        inference_root=str(tree / "inference"), labelled_root=str(tree / "labelled"),
        storage=str(tree / "storage"),
    )
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [VARIANT])
        return materialize(ASSETS, instance=instance, partition_key=VARIANT, resources=resources,
                           selection=selection, run_config=run_config, raise_on_error=raise_on_error)


def metadata(result, asset):
    event = next(e for e in result.get_asset_materialization_events()
                 if e.event_specific_data.materialization.asset_key.to_user_string() == asset)
    return {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}


def test_code_sequences_and_rejections_land_as_parquet(tree):
    result = run(tree, selection=["code_sequences", "rejected_files"])
    sequences = pd.read_parquet(tree / "storage" / "code_sequences" / f"{VARIANT}.parquet")
    rejected = pd.read_parquet(tree / "storage" / "rejected_files" / f"{VARIANT}.parquet")
    assert len(sequences) == 4 and set(sequences["codes_per_window"]) == {14}
    assert rejected["kind"].tolist() == ["id_out_of_range"]
    assert rejected["detail"].tolist() == ["code 5000 outside [0, 2048) at window 0, position 1"]
    info = metadata(result, "code_sequences")
    assert info["dagster/row_count"] == 4 and info["rejected_files"] == 1 and info["ignored_files"] == 1


def test_rejected_share_check_blocks_when_over_threshold(tree):
    result = run(tree, run_config={"ops": {"code_sequences": {"config": {"max_rejected_share": 0.1}}}},
                 raise_on_error=False)
    checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"codes_in_range": True, "unique_sequence_ids": True,
                      "rejected_share_below_threshold": False, "no_duplicate_segments": True,
                      "one_window_width": True}
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "codebook_usage" not in materialized  # blocked downstream in the same run


def test_codebook_usage_reports_collapse_with_plots(tree):
    result = run(tree, selection=["code_sequences", "rejected_files", "codebook_usage"])
    info = metadata(result, "codebook_usage")
    usage = pd.read_parquet(tree / "storage" / "codebook_usage" / f"{VARIANT}.parquet")
    assert len(usage) == 2048 and usage["count"].sum() == 4 * 42
    assert info["codes_used"] == (usage["count"] > 0).sum() and info["dead_codes"] == 2048 - info["codes_used"]
    assert info["rank_frequency_plot"].startswith("![") and "base64" in info["length_histogram"]
    assert {"digit_0", "digit_3"} <= set(usage.columns)


def test_labelled_sequences_merge_labels_by_the_configured_map(tree):
    merge = {"videos_nok_eletric": "nok", "videos_nok_apperance": "nok", "videos_ok": "ok"}
    run(tree, selection=["labelled_sequences"],
        run_config={"ops": {"labelled_sequences": {"config": {"label_processing": {"merge_map": merge}}}}})
    labelled = pd.read_parquet(tree / "storage" / "labelled_sequences" / f"{VARIANT}.parquet")
    assert sorted(labelled["label"]) == ["nok", "nok", "ok"]
    assert sorted(labelled["raw_label"]) == sorted(merge)


def test_an_older_labelled_root_without_variant_folders_serves_every_variant(tree):
    import shutil

    shutil.move(str(tree / "labelled" / VARIANT), str(tree / "older_labelled"))
    resources = build_resources(inference_root=str(tree / "inference"),
                                labelled_root=str(tree / "older_labelled"), storage=str(tree / "storage"))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [VARIANT])
        materialize(ASSETS, instance=instance, partition_key=VARIANT, resources=resources,
                    selection=["labelled_sequences"])
    labelled = pd.read_parquet(tree / "storage" / "labelled_sequences" / f"{VARIANT}.parquet")
    assert sorted(labelled["label"]) == ["videos_nok_apperance", "videos_nok_eletric", "videos_ok"]
