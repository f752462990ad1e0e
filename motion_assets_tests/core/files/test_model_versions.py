"""Content-addressed model versions, the current.json manifest, rollback and retention."""

import os

import pytest

from motion_assets.core.files.layout import StorageLayout
from motion_assets.core.files.manifest import read_current
from motion_assets.core.files.model_versions import (
    prune_versions,
    publish_version,
    read_current_version,
    read_version,
    roll_back,
    stored_versions,
)
from motion_assets.core.files.verified_pickle import sha256_hex


@pytest.fixture
def layout(tmp_path):
    return StorageLayout(str(tmp_path))


def publish_aged(layout, data: bytes, age: int):
    """Publish ``data`` and date its file ``age`` seconds back (mtime orders retention)."""
    version = publish_version(layout, "model", "v1", data, run_id=f"run-{age}")
    path = layout.model_version("model", "v1", version.sha256).path
    os.utime(path, (os.path.getmtime(path) - age,) * 2)
    return version


def test_a_version_is_stored_under_its_sha256_and_named_current(layout, tmp_path):
    version = publish_version(layout, "model", "v1", b"weights", run_id="run-1")
    assert version.sha256 == sha256_hex(b"weights")
    assert (tmp_path / "model" / "v1" / f"{version.sha256}.bin").read_bytes() == b"weights"
    assert read_current(layout, "model", "v1") == version
    assert version.run_id == "run-1" and version.bytes == 7


def test_a_new_version_leaves_the_previous_one_loadable(layout):
    first = publish_version(layout, "model", "v1", b"first", run_id="a")
    publish_version(layout, "model", "v1", b"second", run_id="b")
    assert read_current_version(layout, "model", "v1")[0] == b"second"
    assert read_version(layout, "model", "v1", first.sha256) == b"first"


def test_rollback_re_points_the_manifest_at_a_stored_version(layout):
    first = publish_version(layout, "model", "v1", b"first", run_id="a")
    publish_version(layout, "model", "v1", b"second", run_id="b")
    roll_back(layout, "model", "v1", first.sha256)
    data, current = read_current_version(layout, "model", "v1")
    assert data == b"first" and current.sha256 == first.sha256


def test_rollback_refuses_a_version_whose_file_was_changed(layout):
    first = publish_version(layout, "model", "v1", b"first", run_id="a")
    layout.model_version("model", "v1", first.sha256).write_bytes(b"tampered")
    with pytest.raises(ValueError, match="does not hash to its name"):
        roll_back(layout, "model", "v1", first.sha256)


def test_no_manifest_yet_says_to_materialize(layout):
    with pytest.raises(FileNotFoundError, match="materialize model first"):
        read_current_version(layout, "model", "v1")


def test_retention_keeps_the_newest_the_current_and_the_referenced(layout):
    versions = [publish_aged(layout, f"version {age}".encode(), age) for age in (50, 40, 30, 20, 10)]
    oldest, referenced = versions[0], versions[1]
    roll_back(layout, "model", "v1", oldest.sha256)
    deleted = prune_versions(layout, "model", "v1", keep_last=2, referenced={referenced.sha256})
    assert deleted == [versions[2].sha256]
    assert set(stored_versions(layout, "model", "v1")) == {
        versions[4].sha256, versions[3].sha256, referenced.sha256, oldest.sha256}


def test_retention_deletes_the_files_made_from_a_deleted_version_and_keeps_the_others(layout):
    versions = [publish_aged(layout, f"version {age}".encode(), age) for age in (30, 20, 10)]
    folder = layout.partition_folder("model", "v1")
    for version in versions:
        (folder / f"{version.sha256}.runtime.npz").write_bytes(b"made from it")
    deleted = prune_versions(layout, "model", "v1", keep_last=2)
    assert deleted == [versions[0].sha256]
    assert sorted(path.name for path in folder.glob("*.runtime.npz")) == sorted(
        f"{version.sha256}.runtime.npz" for version in versions[1:])


def test_republishing_the_same_content_makes_it_the_newest_again(layout):
    old = publish_aged(layout, b"same", 100)
    publish_aged(layout, b"other", 50)
    publish_version(layout, "model", "v1", b"same", run_id="again")
    assert stored_versions(layout, "model", "v1")[0] == old.sha256


def test_retention_refuses_to_keep_fewer_than_two(layout):
    with pytest.raises(ValueError, match="at least 2"):
        prune_versions(layout, "model", "v1", keep_last=1)


@pytest.mark.parametrize("name", ["", "..", "a/b", ".hidden"])
def test_a_name_that_could_leave_its_folder_is_refused(layout, name):
    with pytest.raises(ValueError, match="cannot name"):
        layout.table("model", name)
