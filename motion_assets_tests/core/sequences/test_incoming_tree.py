"""Listing an incoming folder by what changed: new files anywhere found, rewrites found by
the sweep, times as a full listing gives them, nothing odd fatal, progress kept past a deadline."""

from __future__ import annotations

import os
import shutil
import time

from motion_assets.core.sequences.incoming_files import list_incoming
from motion_assets.core.sequences.incoming_tree import (
    IncomingTree,
    list_changed,
    load_tree,
    save_tree,
)

HOUR = 3600.0
LATER = 2**62  # a frontier past every file: everything listed so far is done


def write(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def tree_of(tmp_path, videos=6):
    for video in range(videos):
        for segment in range(3):
            write(tmp_path / "v" / f"D{video:02d}" / "code_indices" / f"s{segment}.codes.json")
    tree = IncomingTree(str(tmp_path / "v"))
    first = list_changed(tree, 0, sweep_seconds=HOUR)
    assert len(first.files) == 3 * videos and first.complete
    return tree


def paths(listing) -> set[str]:
    return {path for _, path in listing.files}


def test_a_tree_with_nothing_new_reads_no_folder(tmp_path):
    tree = tree_of(tmp_path)
    again = list_changed(tree, LATER, sweep_seconds=HOUR, now_ns=tree.listed_at_ns)
    assert again.files == [] and again.folders_read == 0 and again.folders_checked == 13


def test_a_new_file_in_a_new_deep_folder_is_found_by_reading_only_what_changed(tmp_path):
    tree = tree_of(tmp_path)
    new = write(tmp_path / "v" / "D03" / "extra" / "deeper" / "code_indices" / "s9.codes.json")
    listing = list_changed(tree, LATER, sweep_seconds=HOUR, now_ns=tree.listed_at_ns)
    assert paths(listing) == {"D03/extra/deeper/code_indices/s9.codes.json"}
    assert listing.folders_read == 4  # D03 (a new entry) and the three new folders
    assert {p: t for t, p in listing.files} == {
        p: t for t, p in list_incoming(str(tmp_path / "v")).files if p == "D03/extra/deeper/code_indices/" + new.name}


def test_a_file_not_yet_passed_by_the_frontier_is_listed_again(tmp_path):
    tree = tree_of(tmp_path)
    assert len(list_changed(tree, 0, sweep_seconds=HOUR).files) == 18  # nothing done yet: all again


def test_a_file_rewritten_in_place_is_found_by_the_sweep(tmp_path):
    tree = tree_of(tmp_path)
    target = tmp_path / "v" / "D02" / "code_indices" / "s1.codes.json"
    with open(target, "r+") as handle:  # in place: no folder changes
        handle.write("[]")
    plain = list_changed(tree, LATER, sweep_seconds=HOUR, now_ns=tree.listed_at_ns)
    assert plain.files == []
    swept = list_changed(tree, LATER, sweep_seconds=300, now_ns=tree.listed_at_ns + 300 * 10**9)
    assert "D02/code_indices/s1.codes.json" in paths(swept)
    assert swept.folders_read == 13  # a whole sweep interval passed: every folder read again


def test_a_sweep_step_reads_its_share_of_the_folders(tmp_path):
    tree = tree_of(tmp_path)
    later = tree.listed_at_ns + 600 * 10**9
    step = list_changed(tree, LATER, sweep_seconds=HOUR, now_ns=later)
    assert step.folders_read == 2  # 13 folders * min(600, 300 per step) / 3600 = 1.08, rounded up
    following = list_changed(tree, LATER, sweep_seconds=HOUR, now_ns=later)
    assert following.folders_read == 0  # nothing has come due since


def test_a_folder_moved_in_whole_gets_the_times_a_full_listing_gives(tmp_path):
    tree = tree_of(tmp_path)
    staged = write(tmp_path / "staging" / "video" / "code_indices" / "s1.codes.json").parent.parent
    old = time.time_ns() - 3600 * 10**9
    for path in (staged / "code_indices" / "s1.codes.json", staged / "code_indices", staged):
        os.utime(path, ns=(old, old))
    time.sleep(1.2)  # past the slack between a folder's and its entries' times
    shutil.move(staged, tmp_path / "v" / "moved")
    listing = list_changed(tree, LATER, sweep_seconds=HOUR, now_ns=tree.listed_at_ns)
    full = {p: t for t, p in list_incoming(str(tmp_path / "v")).files}
    assert {p: t for t, p in listing.files} == {"moved/code_indices/s1.codes.json": full["moved/code_indices/s1.codes.json"]}


def test_removing_a_file_lists_its_folder_again_as_a_full_listing_does(tmp_path):
    tree = tree_of(tmp_path)
    time.sleep(1.2)
    (tmp_path / "v" / "D01" / "code_indices" / "s0.codes.json").unlink()
    listing = list_changed(tree, 0, sweep_seconds=HOUR)
    assert sorted((t, p) for t, p in listing.files) == sorted(list_incoming(str(tmp_path / "v")).files)


def test_a_dangling_symlink_is_reported_at_every_listing_and_fails_none(tmp_path):
    tree = tree_of(tmp_path)
    os.symlink(tmp_path / "gone.codes.json", tmp_path / "v" / "D00" / "dangling.codes.json")
    os.symlink(tmp_path / "v", tmp_path / "v" / "D01" / "loop")
    for _ in range(2):
        listing = list_changed(tree, LATER, sweep_seconds=HOUR, now_ns=tree.listed_at_ns)
        assert listing.complete and listing.oddity_count == 2
        assert {path for path, _ in listing.oddities} == {"D00/dangling.codes.json", "D01/loop"}


def test_a_missing_root_is_an_oddity_not_an_error(tmp_path):
    listing = list_changed(IncomingTree(str(tmp_path / "nowhere")), 0, sweep_seconds=HOUR)
    assert listing.files == [] and listing.oddity_count == 1 and listing.complete


def test_a_deadline_leaves_an_incomplete_listing_and_the_next_call_goes_on(tmp_path):
    for video in range(4):
        write(tmp_path / "v" / f"D{video}" / "s.codes.json")
    tree = IncomingTree(str(tmp_path / "v"))
    stopped = list_changed(tree, 0, sweep_seconds=HOUR, deadline=time.monotonic() - 1)
    assert not stopped.complete and stopped.files == []
    finished = list_changed(load_round_trip(tree, tmp_path), 0, sweep_seconds=HOUR)
    assert finished.complete and len(finished.files) == 4


def load_round_trip(tree, tmp_path):
    save_tree(tmp_path / "tree.parquet", tree)
    return load_tree(tmp_path / "tree.parquet", tree.root)


def test_a_saved_tree_reads_back_as_it_was(tmp_path):
    tree = tree_of(tmp_path)
    loaded = load_round_trip(tree, tmp_path)
    assert loaded.folders == tree.folders and loaded.listed_at_ns == tree.listed_at_ns
    again = list_changed(loaded, LATER, sweep_seconds=HOUR, now_ns=tree.listed_at_ns)
    assert again.folders_read == 0


def test_a_tree_saved_for_another_root_or_unreadable_starts_empty(tmp_path):
    tree = tree_of(tmp_path)
    save_tree(tmp_path / "tree.parquet", tree)
    assert load_tree(tmp_path / "tree.parquet", str(tmp_path / "other")).folders == {}
    (tmp_path / "tree.parquet").write_bytes(b"not parquet")
    assert load_tree(tmp_path / "tree.parquet", tree.root).folders == {}
    assert load_tree(tmp_path / "absent.parquet", tree.root).folders == {}
