"""One window width per variant: the majority (or configured) width, the others rejected."""

import json

from motion_assets.core.sequences.ingest import read_sequence_folder
from motion_assets.core.sequences.reader import CodebookSettings

VARIANT = "v_cb2048"


def windows(count, width, start=0):
    return [[(start + w * width + i) % 2048 for i in range(width)] for w in range(count)]


def write(root, relative, document):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document))


def read(root, codes_per_window=None):
    return read_sequence_folder(str(root), CodebookSettings(variant=VARIANT,
                                                            codes_per_window=codes_per_window))


def rejected(result):
    return {(r["relative_path"], r["line"]): (r["kind"], r["detail"]) for r in result.rejected.to_pylist()}


def sixteen_wide_variant(root, files=3):
    for n in range(files):
        write(root, f"D01/code_indices/s{n}.codes.json", {"codes_windows": windows(2, 16, start=n)})


def test_a_narrower_file_in_a_wider_variant_is_rejected_with_its_reason(tmp_path):
    sixteen_wide_variant(tmp_path)
    write(tmp_path, "D01/code_indices/narrow.codes.json", {"codes_windows": windows(2, 14)})
    result = read(tmp_path)
    kind, detail = rejected(result)[("D01/code_indices/narrow.codes.json", None)]
    assert kind == "mixed_width"
    assert detail == "14 codes per window; the variant's width is 16 (held by 3 of 4 files)"
    assert set(result.sequences.column("codes_per_window").to_pylist()) == {16}
    assert (result.window_width.width, result.window_width.files_per_width) == (16, {14: 1, 16: 3})


def test_the_configured_width_wins_over_the_majority(tmp_path):
    sixteen_wide_variant(tmp_path)
    write(tmp_path, "D01/code_indices/narrow.codes.json", {"codes_windows": windows(2, 14)})
    result = read(tmp_path, codes_per_window=14)
    assert {kind for kind, _ in rejected(result).values()} == {"mixed_width"}
    assert len(rejected(result)) == 3
    assert result.sequences.column("relative_path").to_pylist() == ["D01/code_indices/narrow.codes.json"]


def test_one_width_means_no_rejection(tmp_path):
    sixteen_wide_variant(tmp_path)
    result = read(tmp_path)
    assert result.rejected.num_rows == 0 and result.window_width.source == "majority"


def test_flat_jsonl_rows_take_the_variant_width(tmp_path):
    sixteen_wide_variant(tmp_path)
    flat = [code for window in windows(2, 16) for code in window]
    write(tmp_path, "rows.jsonl", "\n".join([json.dumps({"codes": flat}),
                                             json.dumps({"codes": flat[:20]})]))
    result = read(tmp_path)
    row = next(r for r in result.sequences.to_pylist() if r["sequence_id"] == "rows#1")
    assert (row["window_count"], row["codes_per_window"], row["codes"]) == (2, 16, flat)
    kind, detail = rejected(result)[("rows.jsonl", 2)]
    assert kind == "ragged_windows" and "20 flat codes do not split into windows of 16" in detail


def test_flat_codes_without_any_width_are_rejected_as_unknown_width(tmp_path):
    write(tmp_path, "rows.jsonl", json.dumps({"codes": list(range(32))}))
    result = read(tmp_path)
    assert rejected(result)[("rows.jsonl", 1)][0] == "unknown_width"
    assert result.sequences.num_rows == 0 and result.window_width.width is None


def test_flat_jsonl_rows_take_the_configured_width_alone(tmp_path):
    write(tmp_path, "rows.jsonl", json.dumps({"codes": list(range(32))}))
    row = read(tmp_path, codes_per_window=8).sequences.to_pylist()[0]
    assert (row["window_count"], row["codes_per_window"]) == (4, 8)


def test_a_flat_export_with_its_declared_width_keeps_it(tmp_path):
    sixteen_wide_variant(tmp_path)
    write(tmp_path, "json/walk/clip.json", {"meta": {"encoder_sequence_len": 16},
                                            "code_sequences_flat": list(range(32))})
    result = read(tmp_path)
    row = next(r for r in result.sequences.to_pylist() if r["sequence_id"] == "json/walk/clip")
    assert (row["window_count"], row["codes_per_window"]) == (2, 16) and result.rejected.num_rows == 0
