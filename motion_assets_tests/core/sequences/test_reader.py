"""The reader: both schemas, every layout, every rejection reason, codebook inference."""

import json

import pytest

from motion_assets.core.sequences.fsq import Codebook, codebook_size_from_variant, resolve_codebook
from motion_assets.core.sequences.ingest import read_sequence_folder
from motion_assets.core.sequences.reader import CodebookSettings

VARIANT = "epochs5_complete500_d01_m10_cb2048_stride4"


def sidecar(windows, **extra):
    document = {
        "codes_windows": windows,
        "selected_win_idxs": list(range(10, 10 + len(windows))),
        "segment": {"start_frame": 40, "end_frame": 90, "start_win": 10},
        "window": {"T": 15, "stride": 4, "target_fps": 10},
        "video_segment_path": "/rec/D01_1/segmented_videos/seg_0001.mp4",
        "source": "stream_online",
        "allow_overlap": True,
    }
    document.update(extra)
    return document


def write(root, relative, content):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2))


def read(root, **kwargs):
    return read_sequence_folder(str(root), CodebookSettings(variant=VARIANT), **kwargs)


def rows(result):
    return {row["sequence_id"]: row for row in result.sequences.to_pylist()}


def reasons(result):
    return {(r["relative_path"], r["line"]): r["detail"] for r in result.rejected.to_pylist()}


def kinds(result):
    return {(r["relative_path"], r["line"]): r["kind"] for r in result.rejected.to_pylist()}


def test_sidecar_keeps_window_structure_and_takes_d_from_data(tmp_path):
    windows = [[i + 14 * w for i in range(14)] for w in range(3)]
    write(tmp_path, "D01_1/code_indices/segment_0001_startwin_000010.codes.json", sidecar(windows))
    row = rows(read(tmp_path))["D01_1/code_indices/segment_0001_startwin_000010"]
    assert (row["window_count"], row["codes_per_window"], row["length"]) == (3, 14, 42)
    assert row["codes"] == [code for window in windows for code in window]
    assert row["window_indices"] == [10, 11, 12]
    assert row["video"] == "D01_1"
    assert row["label"] is None
    assert (row["stride"], row["window_frames"], row["target_fps"]) == (4, 15, 10.0)
    assert row["codebook_size"] == 2048 and row["codebook_levels"] == [8, 8, 6, 5]
    assert row["source_schema"] == "segment_sidecar"


def test_vector_sidecar_carries_mean_latent(tmp_path):
    windows = [[1, 2], [3, 4]]
    latents = [[[float(w), 1.0, 2.0] for _ in range(2)] for w in range(2)]
    write(tmp_path, "V/code_indices/s.codes.json", sidecar(windows, quantized_windows=latents))
    row = rows(read(tmp_path))["V/code_indices/s"]
    assert row["mean_latent"] == pytest.approx([0.5, 1.0, 2.0])


def test_offline_export_reads_meta_codebook_label_and_flat_latents(tmp_path):
    document = {
        "meta": {"encoder_sequence_len": 16, "codebook_size": 2048,
                 "codebook_levels": [8, 8, 8, 4], "T": 16, "stride": 4, "target_fps": 10,
                 "video_path": "/x/clip_07.mp4"},
        "window_starts": [0, 4],
        "code_sequences_flat": list(range(2040, 2048)) * 4,
        "latent_matrix": [0.5] * (32 * 3),
        "latent_matrix_shape": [32, 3],
    }
    write(tmp_path, "json/walk/clip_07.json", document)
    write(tmp_path, "codes.jsonl", json.dumps({"label": "walk", "codes": [1, 2]}) + "\n")
    result = read(tmp_path)
    row = rows(result)["json/walk/clip_07"]
    assert (row["window_count"], row["codes_per_window"]) == (2, 16)
    assert row["codebook_levels"] == [8, 8, 8, 4] and row["window_indices"] == [0, 1]
    assert row["label"] == "walk" and row["video"] == "clip_07"
    assert row["mean_latent"] == pytest.approx([0.5] * 3)
    assert row["source_schema"] == "offline_export"
    assert [r["relative_path"] for r in result.ignored.to_pylist()] == ["codes.jsonl"]


def test_code_field_precedence_is_windows_then_nested_then_flat(tmp_path):
    write(tmp_path, "a.codes.json", {"codes_windows": [[1]], "code_sequences": [[2]],
                                     "code_sequences_flat": [3]})
    write(tmp_path, "b.codes.json", {"code_sequences": [[2]], "code_sequences_flat": [3]})
    found = rows(read(tmp_path))
    assert found["a"]["codes"] == [1] and found["b"]["codes"] == [2]


def test_jsonl_rows_are_sequences_with_line_ids(tmp_path):
    lines = [json.dumps({"label": "lift", "codes": [[1, 2], [3, 4]]}), "",
             json.dumps({"label": "bend", "codes": [5, 6, 7, 8]}), "{broken"]
    write(tmp_path, "codes.jsonl", "\n".join(lines))
    result = read(tmp_path)
    found = rows(result)
    assert found["codes#1"]["window_count"] == 2 and found["codes#1"]["label"] == "lift"
    assert found["codes#3"]["codes"] == [5, 6, 7, 8]
    assert found["codes#3"]["source_schema"] == "jsonl_rows"
    assert kinds(result)[("codes.jsonl", 4)] == "invalid_json"
    assert reasons(result)[("codes.jsonl", 4)].startswith("not valid JSON")


def test_non_sequence_files_in_the_tree_are_ignored_not_read(tmp_path):
    write(tmp_path, "stream_codes.jsonl", json.dumps({"window": 0, "codes": [1, 2]}))
    write(tmp_path, "D01_1/segmented_videos/D01_1_segments.json", [{"start": 0}])
    write(tmp_path, "D01_1/D01_1_perf_summary.json", {"fps": 9.5})
    write(tmp_path, "D01_1/energy.jsonl", json.dumps({"t": 0, "joules": 1.2}))
    write(tmp_path, "D01_1/notes.json", {"author": "x"})
    write(tmp_path, "D01_1/segmented_videos/seg.mp4", "not a video")
    result = read(tmp_path)
    assert result.sequences.num_rows == 0 and result.rejected.num_rows == 0
    assert sorted(r["relative_path"] for r in result.ignored.to_pylist()) == [
        "D01_1/D01_1_perf_summary.json", "D01_1/energy.jsonl", "D01_1/notes.json",
        "D01_1/segmented_videos/D01_1_segments.json", "stream_codes.jsonl",
    ]
    assert result.other_files == {".mp4": 1}


@pytest.mark.parametrize(
    "content, kind, detail",
    [
        ("this is not json", "invalid_json", "not valid JSON"),
        ('{"codes_windows": [[1, 2], [3', "invalid_json", "truncated JSON"),
        ("", "empty_file", "empty file"),
        ({"window": {"T": 15}}, "no_codes", "no codes field"),
        ({"codes_windows": []}, "empty_codes", "empty codes"),
        ({"codes_windows": [[]]}, "empty_codes", "empty codes"),
        ({"codes_windows": None}, "wrong_type", "codes field 'codes_windows' is null"),
        ({"codes_windows": [[1, 2], [3, 2048]]}, "id_out_of_range",
         "code 2048 outside [0, 2048) at window 1, position 1"),
        ({"codes_windows": [[1, -1]]}, "id_out_of_range", "code -1 outside [0, 2048)"),
        ({"codes_windows": [[1, 2.5]]}, "non_integer_id",
         "non-integer code 2.5 (float) at window 0, position 1"),
        ({"codes_windows": [[1, "7"]]}, "non_integer_id", "non-integer code '7' (str)"),
        ({"codes_windows": [[True, 1]]}, "non_integer_id", "non-integer code True (bool)"),
        ({"codes_windows": [[1, 2], [3]]}, "ragged_windows",
         "ragged windows: window 1 has 1 codes, window 0 has 2"),
        ({"codes_windows": [1, 2]}, "wrong_type", "must be a list of lists"),
        ([1, 2, 3], "wrong_type", "top-level JSON is a list"),
    ],
)
def test_each_bad_file_is_rejected_with_its_kind_and_detail(tmp_path, content, kind, detail):
    write(tmp_path, "D01_1/code_indices/bad.codes.json", content)
    result = read(tmp_path)
    assert result.sequences.num_rows == 0
    assert kinds(result)[("D01_1/code_indices/bad.codes.json", None)] == kind
    assert detail in reasons(result)[("D01_1/code_indices/bad.codes.json", None)]


def test_labelled_layout_takes_the_label_from_the_declared_depth(tmp_path):
    write(tmp_path, "videos_ok/codes/s1.codes.json", sidecar([[1, 2]]))
    write(tmp_path, "videos_nok_eletric/deep/er/s2.json", {"codes_windows": [[3, 4]]})
    found = rows(read(tmp_path, label_depth=0))
    assert found["videos_ok/codes/s1"]["label"] == "videos_ok"
    assert found["videos_nok_eletric/deep/er/s2"]["label"] == "videos_nok_eletric"


def test_duplicate_segments_point_to_the_first_copy(tmp_path):
    write(tmp_path, "D01_1/code_indices/a.codes.json", sidecar([[1, 2]]))
    write(tmp_path, "D01_1/code_indices/b.codes.json", sidecar([[1, 2]]))
    write(tmp_path, "D01_1/code_indices/c.codes.json", sidecar([[1, 3]]))
    found = rows(read(tmp_path))
    assert found["D01_1/code_indices/a"]["duplicate_of"] is None
    assert found["D01_1/code_indices/b"]["duplicate_of"] == "D01_1/code_indices/a"
    assert found["D01_1/code_indices/c"]["duplicate_of"] is None


def test_ids_that_do_not_fit_the_levels_switch_digits_off_with_a_warning(tmp_path):
    write(tmp_path, "D01_1/code_indices/a.codes.json", sidecar([[1, 2000]]))
    result = read(tmp_path)
    assert rows(result)["D01_1/code_indices/a"]["codebook_levels"] is None
    assert "do not fit FSQ levels [8, 8, 6, 5]" in result.warnings[0]


def test_sequence_ids_are_stable_across_reads(tmp_path):
    for n in range(3):
        write(tmp_path, f"D01_1/code_indices/s{n}.codes.json", sidecar([[n, 1]]))
    assert read(tmp_path).sequences.equals(read(tmp_path).sequences)


def test_parallel_read_equals_serial_read(tmp_path, monkeypatch):
    from motion_assets.core.sequences import ingest

    for n in range(30):
        write(tmp_path, f"D0{n % 6}/code_indices/s{n}.codes.json", sidecar([[n, 1], [2, n]]))
    write(tmp_path, "D00/code_indices/bad.codes.json", "{")
    write(tmp_path, "D01/D01_perf_summary.json", {"fps": 9})
    write(tmp_path, "stream_codes.jsonl", json.dumps({"window": 0, "codes": [1]}))
    serial = read(tmp_path, workers=1)
    monkeypatch.setattr(ingest, "PARALLEL_MIN_FILES", 1)
    by_folder = read(tmp_path, workers=2)  # six video folders: each worker lists its share
    by_chunk = ingest.read_listing(str(tmp_path), ingest.list_sequence_files(str(tmp_path)),
                                   CodebookSettings(variant=VARIANT), workers=2)
    for parallel in (by_folder, by_chunk):
        assert parallel.sequences.equals(serial.sequences)
        assert parallel.rejected.equals(serial.rejected)
        assert parallel.ignored.equals(serial.ignored)


def test_codebook_precedence():
    assert resolve_codebook(meta_size=1024, variant="x_cb2048").size == 1024
    assert resolve_codebook(meta_levels=(8, 8, 8, 4)).size == 2048
    assert resolve_codebook(configured_size=1920, variant="x_cb2048").levels == (8, 8, 6, 5)
    assert resolve_codebook(variant="a_cb1024_b").levels == (8, 8, 4, 4)
    assert resolve_codebook(variant="a_b", default_size=4096).size == 4096
    assert codebook_size_from_variant("epochs5_complete500_d01_m10_cb2048_stride4") == 2048
    assert codebook_size_from_variant("no_codebook_here") is None


def test_digits_round_trip_and_follow_the_mixed_radix_rule():
    codebook = Codebook(size=1920, levels=(8, 8, 6, 5))
    ids = [0, 1, 8, 1161, 1162, 1919]
    digits = codebook.digits(ids)
    assert digits[3].tolist() == [1161 % 8, 1161 // 8 % 8, 1161 // 64 % 6, 1161 // 384]
    assert codebook.ids(digits).tolist() == ids
    assert abs(codebook.unit_digits([1161]) - codebook.unit_digits([1162])).sum() < 0.3
    with pytest.raises(ValueError, match="does not fit FSQ levels"):
        codebook.digits([1920])


def test_chosen_files_follow_the_folder_rules(tmp_path):
    from motion_assets.core.sequences.ingest import read_sequence_paths

    write(tmp_path, "D01_1/code_indices/a.codes.json", sidecar([[1, 2]]))
    write(tmp_path, "D01_1/code_indices/b.codes.json", {"codes_windows": [[1, "x"]]})
    write(tmp_path, "stream_codes.jsonl", json.dumps({"window": 0, "codes": [1]}))
    result = read_sequence_paths(str(tmp_path), ["D01_1/code_indices/a.codes.json",
                                                 "D01_1/code_indices/b.codes.json", "stream_codes.jsonl"],
                                 CodebookSettings(variant=VARIANT))
    assert list(rows(result)) == ["D01_1/code_indices/a"]
    assert "non-integer code 'x'" in reasons(result)[("D01_1/code_indices/b.codes.json", None)]
    assert result.ignored.column("relative_path").to_pylist() == ["stream_codes.jsonl"]


def test_whole_files_are_read_past_the_first_chunk(tmp_path):
    from motion_assets.core.sequences.ingest import read_file_bytes

    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 70_000)
    assert read_file_bytes(str(path), first_read=1024) == b"x" * 70_000
    assert read_file_bytes(str(path)) == b"x" * 70_000
