"""Every mistake on ``motion-assets run``'s command line is one line on stderr and exit 2."""

import os
import subprocess
import sys

import pytest

from motion_assets.cli import main


@pytest.fixture()
def inference_root(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "inference" / "v1").mkdir(parents=True)
    return tmp_path / "inference"


def _run(capsys, *argv) -> tuple[int, str]:
    status = main(["run", *map(str, argv)])
    return status, capsys.readouterr().err


def _one_line_error(status: int, err: str, *words: str) -> None:
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for word in words:
        assert word in lines[0]


def test_a_variant_name_with_a_space_is_refused(capsys, inference_root):
    _one_line_error(*_run(capsys, "--inference-root", inference_root, "--variant", "with space"),
                    "with space")


def test_an_unknown_variant_is_refused(capsys, inference_root):
    _one_line_error(*_run(capsys, "--inference-root", inference_root, "--variant", "v2"),
                    "unknown variant", "v2")


def test_a_missing_configs_folder_is_refused(capsys, inference_root, tmp_path):
    _one_line_error(*_run(capsys, "--inference-root", inference_root,
                          "--configs", tmp_path / "no_configs"), "--configs")


def test_storage_under_a_missing_folder_is_refused(capsys, inference_root, tmp_path):
    _one_line_error(*_run(capsys, "--inference-root", inference_root,
                          "--storage", tmp_path / "absent" / "storage"), "storage")


def test_a_selection_that_does_not_parse_is_refused(capsys, inference_root):
    _one_line_error(*_run(capsys, "--inference-root", inference_root, "--select", "key:(("),
                    "bad selection")


def test_a_missing_inference_root_is_refused(capsys, tmp_path):
    _one_line_error(*_run(capsys, "--inference-root", tmp_path / "nowhere"), "inference root")


def test_an_unreadable_merge_map_is_refused(capsys, inference_root, tmp_path):
    bad = tmp_path / "map.json"
    bad.write_text("{not json")
    _one_line_error(*_run(capsys, "--inference-root", inference_root, "--merge-map", bad),
                    "--merge-map")


def test_the_installed_command_reports_without_a_traceback(inference_root):
    """The same through the console script's process: no traceback on stderr."""
    command = os.path.join(os.path.dirname(sys.executable), "motion-assets")
    done = subprocess.run([command, "run", "--inference-root",
                           str(inference_root), "--variant", "with space"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
