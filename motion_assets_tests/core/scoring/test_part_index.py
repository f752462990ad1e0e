"""Part ranges: a batch opens only the parts that may hold its files; the cache is never the record."""

from __future__ import annotations

import pandas as pd

from motion_assets.core.scoring.history import HISTORY_SCHEMA, append_part
from motion_assets.core.scoring.part_index import index_file, part_names, part_ranges, parts_holding


def part_of(paths: list[str]) -> pd.DataFrame:
    frame = HISTORY_SCHEMA.empty_table().to_pandas().reindex(range(len(paths)))
    frame["path"] = paths
    frame["sequence_id"] = [path.removesuffix(".codes.json") for path in paths]
    frame["scored_at"] = pd.Timestamp.now(tz="UTC")
    return frame


def history_of_three_parts(folder):
    for video in ("A", "B", "C"):
        append_part(folder, part_of([f"{video}/s{i}.codes.json" for i in range(3)]))
    return part_names(folder)


def test_a_batch_needs_only_the_parts_whose_range_takes_in_its_paths(tmp_path):
    first, second, third = history_of_three_parts(tmp_path / "history")
    ranges = part_ranges(tmp_path / "history")
    assert ranges["rows"].tolist() == [3, 3, 3]
    assert parts_holding(ranges, ["B/s1.codes.json"]) == [second]
    assert parts_holding(ranges, ["A/s0.codes.json", "C/s1.codes.json"]) == [first, third]
    assert parts_holding(ranges, ["C/s9.codes.json"]) == []  # past the last path of C
    assert parts_holding(ranges, ["B0/new.codes.json", "D/new.codes.json"]) == []


def test_a_lost_or_broken_range_cache_is_read_again_from_the_parts(tmp_path):
    history_of_three_parts(tmp_path / "history")
    learnt = part_ranges(tmp_path / "history")
    index_file(tmp_path / "history").write_bytes(b"broken")
    assert part_ranges(tmp_path / "history").equals(learnt)
    index_file(tmp_path / "history").unlink()
    assert part_ranges(tmp_path / "history").equals(learnt)


def test_a_part_written_after_the_cache_is_learnt_from_its_footer(tmp_path):
    history_of_three_parts(tmp_path / "history")
    part_ranges(tmp_path / "history")
    append_part(tmp_path / "history", part_of(["D/s0.codes.json"]))
    assert parts_holding(part_ranges(tmp_path / "history"), ["D/s0.codes.json"]) == part_names(tmp_path / "history")[-1:]
