"""Listing an incoming folder: change times that catch every new file, and no oddity fatal."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from motion_assets.core.sequences.incoming_files import confined_path, list_incoming


def write(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def listed(root) -> dict[str, int]:
    return {path: changed for changed, path in list_incoming(str(root)).files}


def test_only_scorable_visible_files_are_listed(tmp_path):
    write(tmp_path / "v" / "a" / "code_indices" / "s1.codes.json")
    write(tmp_path / "v" / "rows.jsonl")
    write(tmp_path / "v" / "a" / "notes.txt")
    write(tmp_path / "v" / ".hidden" / "s2.codes.json")
    write(tmp_path / "v" / "a" / ".s3.codes.json")
    assert sorted(listed(tmp_path / "v")) == ["a/code_indices/s1.codes.json", "rows.jsonl"]


def test_a_dangling_symlink_is_recorded_and_left_out(tmp_path):
    write(tmp_path / "v" / "good.codes.json")
    os.symlink(tmp_path / "gone.codes.json", tmp_path / "v" / "dangling.codes.json")
    os.symlink(tmp_path / "v", tmp_path / "v" / "loop")
    listing = list_incoming(str(tmp_path / "v"))
    assert [path for _, path in listing.files] == ["good.codes.json"]
    assert listing.oddity_count == 2
    assert {path for path, _ in listing.oddities} == {"dangling.codes.json", "loop"}


def test_a_missing_root_is_an_oddity_not_an_error(tmp_path):
    listing = list_incoming(str(tmp_path / "nowhere"))
    assert listing.files == [] and listing.oddity_count == 1


def test_a_file_copied_in_with_an_old_mtime_counts_as_changed_now(tmp_path):
    # "now" as the file system's clock reads it: inode times come from the kernel's coarse
    # clock, which may lag time.time_ns() by a tick (this test once failed by 3 ms)
    before = write(tmp_path / "marker").stat().st_ctime_ns
    target = write(tmp_path / "v" / "old.codes.json")
    os.utime(target, ns=(10**18 // 2, 10**18 // 2 - 10**15))  # years ago, as cp -p leaves it
    assert listed(tmp_path / "v")["old.codes.json"] >= before


def test_a_folder_moved_in_whole_passes_its_move_time_to_its_files(tmp_path):
    staged = write(tmp_path / "staging" / "video" / "code_indices" / "s1.codes.json").parent.parent
    old = time.time_ns() - 3600 * 10**9
    for path in (staged / "code_indices" / "s1.codes.json", staged / "code_indices", staged):
        os.utime(path, ns=(old, old))
    time.sleep(1.2)  # past the slack between a folder's and its entries' times
    (tmp_path / "v").mkdir()
    before = time.time_ns() - 10**9
    shutil.move(staged, tmp_path / "v" / "video")
    assert listed(tmp_path / "v")["video/code_indices/s1.codes.json"] >= before


def test_adding_a_file_leaves_the_times_of_its_neighbours_alone(tmp_path):
    write(tmp_path / "v" / "video" / "s1.codes.json")
    first = listed(tmp_path / "v")
    time.sleep(1.2)
    write(tmp_path / "v" / "video" / "s2.codes.json")
    second = listed(tmp_path / "v")
    assert second["video/s1.codes.json"] == first["video/s1.codes.json"]
    assert second["video/s2.codes.json"] > first["video/s1.codes.json"]


@pytest.mark.parametrize("path", ["../other", "/etc", "a/../../x"])
def test_a_path_outside_the_incoming_folder_is_refused(tmp_path, path):
    with pytest.raises(ValueError, match="is not inside the incoming folder"):
        confined_path(str(tmp_path), path)


def test_a_symlink_out_of_the_incoming_folder_is_refused(tmp_path):
    (tmp_path / "v").mkdir()
    os.symlink(tmp_path, tmp_path / "v" / "out")
    with pytest.raises(ValueError, match="is not inside"):
        confined_path(str(tmp_path / "v"), "out/x.codes.json")
