"""The variant sensor: new folders become partitions and runs, exactly once per folder state."""

import json
import os
import pathlib

import pytest
from dagster import DagsterInstance, SkipReason, build_sensor_context, instance_for_test

from motion_assets.definitions import defs
from motion_assets.defs.config_files import ConfigFiles
from motion_assets.defs.resources import TokenizerFolders

CONFIGS = pathlib.Path(__file__).parents[2] / "configs"
from motion_assets.defs.sequences.sensors import variant_folder_sensor


def add_segment(root, variant, name="segment_0001_startwin_000001"):
    folder = root / variant / "D01_1" / "code_indices"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.codes.json").write_text(json.dumps({"codes_windows": [[1, 2]]}))
    # folder mtimes have coarse resolution on some filesystems: make the change visible
    stamp = os.stat(folder).st_mtime_ns + len(name) * 1_000_000_000
    os.utime(folder, ns=(stamp, stamp))


@pytest.fixture
def instance():
    with instance_for_test() as test_instance:
        yield test_instance


def tick(instance: DagsterInstance, root, cursor=None, **folder_settings):
    folders = TokenizerFolders(inference_root=str(root), **folder_settings)
    context = build_sensor_context(instance=instance, cursor=cursor,
                                   resources={"folders": folders, "config_files": ConfigFiles(folder=str(CONFIGS))},
                                   definitions=defs)
    return variant_folder_sensor(context)


def apply_partition_requests(instance, result):
    for request in result.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))


def test_empty_root_skips(instance, tmp_path):
    result = tick(instance, tmp_path)
    assert not result.run_requests
    assert "no new or changed variant" in result.skip_reason.skip_message


def test_missing_root_skips_with_the_reason(instance, tmp_path):
    result = tick(instance, tmp_path / "absent")
    assert isinstance(result, SkipReason) and "does not exist" in result.skip_message


def test_new_folder_adds_a_partition_and_requests_its_run(instance, tmp_path):
    add_segment(tmp_path, "v1_cb2048")
    result = tick(instance, tmp_path)
    assert [list(r.partition_keys) for r in result.dynamic_partitions_requests] == [["v1_cb2048"]]
    assert [r.partition_key for r in result.run_requests] == ["v1_cb2048"]
    assert result.run_requests[0].run_key.startswith("v1_cb2048@")


def test_same_folder_state_triggers_nothing_again(instance, tmp_path):
    add_segment(tmp_path, "v1")
    first = tick(instance, tmp_path)
    apply_partition_requests(instance, first)
    second = tick(instance, tmp_path, cursor=first.cursor)
    assert not second.run_requests and not second.dynamic_partitions_requests


def test_restart_with_the_saved_cursor_misses_a_folder_added_meanwhile(instance, tmp_path):
    add_segment(tmp_path, "v1")
    first = tick(instance, tmp_path)
    apply_partition_requests(instance, first)
    add_segment(tmp_path, "v2")
    after_restart = tick(instance, tmp_path, cursor=first.cursor)
    assert [r.partition_key for r in after_restart.run_requests] == ["v2"]


def test_changed_folder_is_picked_up_again_when_configured(instance, tmp_path):
    add_segment(tmp_path, "v1")
    first = tick(instance, tmp_path)
    apply_partition_requests(instance, first)
    add_segment(tmp_path, "v1", name="segment_0002_startwin_000009")
    again = tick(instance, tmp_path, cursor=first.cursor)
    assert [r.partition_key for r in again.run_requests] == ["v1"]
    assert again.run_requests[0].run_key != first.run_requests[0].run_key
    assert not again.dynamic_partitions_requests
    off = tick(instance, tmp_path, cursor=first.cursor, rescan_changed_variants=False)
    assert not off.run_requests


def test_bad_folder_name_is_refused_with_a_reason(instance, tmp_path):
    add_segment(tmp_path, "bad name with spaces")
    add_segment(tmp_path, "good")
    result = tick(instance, tmp_path)
    assert [r.partition_key for r in result.run_requests] == ["good"]
    assert json.loads(result.cursor)["refused"] == {
        "bad name with spaces": "only letters, digits, '_', '-' and '.' are allowed "
        "(at most 200, starting alnum)"
    }


def test_runs_carry_the_config_files_as_run_config(instance, tmp_path):
    add_segment(tmp_path, "v1")
    request = tick(instance, tmp_path).run_requests[0]
    ops = request.run_config["ops"]
    assert {"code_sequences", "sequence_encoder", "hdbscan_clusters"} <= set(ops)
    assert ops["sequence_encoder"]["config"]["objective"]["task"] == "ntp"


def test_filesystem_oddities_in_one_variant_do_not_stop_the_tick_for_the_others(instance, tmp_path):
    add_segment(tmp_path, "looped")
    os.symlink("..", tmp_path / "looped" / "D01_1" / "up")  # a folder loop inside a variant
    os.mkfifo(tmp_path / "looped" / "D01_1" / "code_indices" / "pipe.codes.json")
    os.symlink("looped_too", tmp_path / "looped_too")  # a loop where a variant folder would be
    add_segment(tmp_path, "good")
    try:
        os.mkdir(os.path.join(os.fsencode(tmp_path), b"bad\xffname"))
    except OSError:
        pytest.skip("this filesystem refuses names that are not UTF-8")
    result = tick(instance, tmp_path)
    assert sorted(r.partition_key for r in result.run_requests) == ["good", "looped"]
    assert list(json.loads(result.cursor)["refused"]) == ["bad\\xffname"]
