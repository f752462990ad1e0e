"""The synthetic tokenizer output: layouts, schemas, difficulty and determinism."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from motion_assets.core.sequences.fsq import Codebook
from motion_assets.core.sequences.table import CODE_SEQUENCES_SCHEMA
from motion_assets.core.synthetic import (
    BAD_KINDS,
    MAIN_VARIANT,
    OFFLINE_VARIANT,
    SECOND_CAMERA_VARIANT,
    VECTOR_VARIANT,
    SyntheticSpec,
    synthetic_sequence_table,
    write_tokenizer_output,
)

SIDECAR_FIELDS = {
    "codes_windows",
    "selected_win_idxs",
    "overlap_ratio_threshold",
    "segment",
    "window",
    "align",
    "video_segment_path",
    "source",
    "allow_overlap",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    spec = SyntheticSpec.demo().replace(bad_share=0.05)
    return write_tokenizer_output(tmp_path_factory.mktemp("synthetic"), spec)


def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return digest.hexdigest()


def _intact(tree, variant, which="inference"):
    truth = tree.ground_truth(variant, which)
    return truth[~truth["is_bad"] & truth["line"].isna()]


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    spec = SyntheticSpec.demo().replace(variants=SyntheticSpec.demo().variants[:1])
    first = write_tokenizer_output(tmp_path / "a", spec).root
    second = write_tokenizer_output(tmp_path / "b", spec).root
    other = write_tokenizer_output(tmp_path / "c", spec.replace(seed=1)).root
    assert _digest(first) == _digest(second)
    assert _digest(first) != _digest(other)


def test_tables_are_deterministic_by_seed():
    a, b = synthetic_sequence_table(200, seed=3), synthetic_sequence_table(200, seed=3)
    c = synthetic_sequence_table(200, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a["codes"], b["codes"]))
    assert not all(np.array_equal(x, y) for x, y in zip(a["codes"], c["codes"]))


def test_every_layout_and_non_sequence_file_is_written(tree):
    main = tree.inference_root / MAIN_VARIANT
    video = min(p for p in main.iterdir() if p.is_dir())
    assert list((video / "code_indices").glob("segment_*_startwin_*.codes.json"))
    assert (video / "segmented_videos" / f"{video.name}_segments.json").is_file()
    assert list((video / "segmented_videos").glob("*.mp4"))
    assert (video / f"{video.name}_perf_summary.json").is_file()
    assert list(video.glob("*.jsonl"))
    first_row = json.loads((main / "stream_codes.jsonl").read_text().splitlines()[0])
    assert set(first_row) == {"window", "codes"}
    assert (tree.inference_root / SECOND_CAMERA_VARIANT).is_dir()
    offline = tree.inference_root / OFFLINE_VARIANT
    assert list(offline.glob("json/*/*.json")) and (offline / "codes.jsonl").is_file()
    assert list((tree.labelled_root / MAIN_VARIANT).glob("*/codes/*.codes.json"))
    assert list((tree.incoming_root / MAIN_VARIANT).glob("*/code_indices/*.codes.json"))
    for input_root in (tree.inference_root, tree.labelled_root, tree.incoming_root):
        assert not list(input_root.rglob("*.csv")), "ground truth must stay outside inputs"


def test_sidecars_follow_schema_1_with_d_levels_and_window_counts(tree):
    spec = SyntheticSpec.demo()
    codebook = Codebook(1920, spec.levels)
    for relative in _intact(tree, MAIN_VARIANT)["relative_path"][:60]:
        doc = json.loads((tree.inference_root / MAIN_VARIANT / relative).read_text())
        assert SIDECAR_FIELDS <= set(doc) and "quantized_windows" not in doc
        codes = np.asarray(doc["codes_windows"])
        assert codes.shape[1] == spec.codes_per_window
        assert spec.min_windows <= codes.shape[0] <= spec.max_windows
        assert len(doc["selected_win_idxs"]) == codes.shape[0]
        assert np.all(np.diff(doc["selected_win_idxs"]) > 0)
        assert doc["segment"]["start_win"] == doc["selected_win_idxs"][0]
        assert doc["window"] == {"T": 15, "stride": 4, "target_fps": 10.0}
        assert codes.max() < codebook.size  # ids fit the (8, 8, 6, 5) grid
        assert f"startwin_{doc['selected_win_idxs'][0]:06d}" in relative


def test_vector_variant_carries_quantized_windows_of_the_configured_width(tree):
    relative = _intact(tree, VECTOR_VARIANT)["relative_path"].iloc[0]
    doc = json.loads((tree.inference_root / VECTOR_VARIANT / relative).read_text())
    vectors = np.asarray(doc["quantized_windows"])
    assert vectors.shape == (len(doc["codes_windows"]), 14, 16)


def test_offline_export_follows_schema_2(tree):
    truth = _intact(tree, OFFLINE_VARIANT)
    for relative in truth["relative_path"][:20]:
        doc = json.loads((tree.inference_root / OFFLINE_VARIANT / relative).read_text())
        meta = doc["meta"]
        assert meta["encoder_sequence_len"] == 16 and meta["codebook_levels"] == [8, 8, 8, 4]
        codes = np.asarray(doc.get("code_sequences", doc.get("code_sequences_flat")))
        assert codes.size == len(doc["window_starts"]) * 16
        assert math.prod(doc["latent_matrix_shape"]) == np.asarray(doc["latent_matrix"]).size
    lines = (tree.inference_root / OFFLINE_VARIANT / "codes.jsonl").read_text().splitlines()
    assert set(json.loads(lines[0])) == {"label", "codes"}


def test_bad_files_are_present_with_their_expected_reasons(tree):
    truth = tree.ground_truth(MAIN_VARIANT)
    bad = truth[truth["is_bad"]]
    assert len(bad) > 0
    assert set(bad["expected_reason"]) <= set(BAD_KINDS.values())
    assert (bad["expected_reason"] == bad["bad_kind"].map(BAD_KINDS)).all()
    for row in bad.itertuples():
        raw = (tree.inference_root / MAIN_VARIANT / row.relative_path).read_bytes()
        if row.expected_reason == "invalid_json":
            with pytest.raises(ValueError):
                json.loads(raw)
        else:
            assert isinstance(json.loads(raw), dict)


def test_unknown_action_appears_only_in_later_videos_and_incoming(tree):
    truth = tree.ground_truth(MAIN_VARIANT)
    order = {video: rank for rank, video in enumerate(sorted(truth["video"].unique()))}
    ranks = truth["video"].map(order)
    assert truth["is_unknown"].any()
    assert ranks[truth["is_unknown"]].min() > ranks[~truth["is_unknown"]].min()
    first_unknown = ranks[truth["is_unknown"]].min()
    assert first_unknown >= len(order) // 2
    incoming = tree.ground_truth(MAIN_VARIANT, "incoming")
    assert incoming["is_unknown"].any() and (~incoming["is_unknown"]).any()
    assert incoming["video"].min() > truth["video"].max()  # camera + timestamp sort by time


def test_labelled_subset_uses_raw_folders_that_the_merge_map_resolves(tree):
    merge = tree.merge_map()
    truth = tree.ground_truth(MAIN_VARIANT, "labelled")
    assert not truth["is_unknown"].any()
    assert (truth["raw_label"].map(merge) == truth["action"]).all()
    assert len(set(merge.values())) < len(merge)  # some raw folders merge into one action


def test_duplicates_repeat_the_codes_of_an_earlier_file(tree):
    truth = tree.ground_truth(MAIN_VARIANT)
    copies = truth[truth["duplicate_of"].notna()]
    assert len(copies) > 0
    root = tree.inference_root / MAIN_VARIANT
    for row in copies.itertuples():
        copy = json.loads((root / row.relative_path).read_text())
        original = json.loads((root / row.duplicate_of).read_text())
        assert copy["codes_windows"] == original["codes_windows"]
        assert copy["selected_win_idxs"] == original["selected_win_idxs"]


def test_only_a_fraction_of_the_codebook_is_used():
    table = synthetic_sequence_table(1000, seed=0)
    used = np.unique(np.concatenate(table["codes"].to_list()))
    assert 0.05 < used.size / 1920 < 0.7
    assert used.max() < 1920


def test_in_memory_table_matches_the_code_sequences_schema():
    table = synthetic_sequence_table(300, seed=0)
    assert list(table.columns) == [*CODE_SEQUENCES_SCHEMA.names, "action", "is_unknown"]
    arrow = pa.Table.from_pandas(
        table[CODE_SEQUENCES_SCHEMA.names], schema=CODE_SEQUENCES_SCHEMA, preserve_index=False
    )
    assert arrow.num_rows == 300
    assert (table["length"] == table["window_count"] * table["codes_per_window"]).all()
    assert table["sequence_id"].is_unique
    duplicates = table[table["duplicate_of"].notna()]
    assert duplicates["duplicate_of"].isin(table["sequence_id"]).all()
    assert table["is_unknown"].dtype == bool and table["is_unknown"].any()
    assert (table["is_unknown"] == (table["action"] == "drop")).all()


def test_gate_gaps_and_segment_lengths_vary():
    table = synthetic_sequence_table(500, seed=0)
    gaps = [np.diff(w).max() > 1 for w in table["window_indices"] if len(w) > 1]
    assert 0 < np.mean(gaps) < 0.6
    assert set(table["window_count"]) >= {2, 3, 4, 5}


@pytest.fixture(scope="module")
def hard_tree(tmp_path_factory):
    from motion_assets.core.synthetic import VariantSpec

    variant = VariantSpec(MAIN_VARIANT, n_videos=12, segments_per_video=10, labelled=20)
    spec = SyntheticSpec.hard(seed=3, variants=(variant,))
    return write_tokenizer_output(tmp_path_factory.mktemp("hard"), spec)


def test_the_hard_spec_records_each_videos_nuisance_in_the_ground_truth(hard_tree):
    truth = hard_tree.ground_truth(MAIN_VARIANT)
    per_video = truth.groupby("video")[["mirrored", "subject_tempo", "placement"]].nunique()
    assert (per_video == 1).all().all()  # one subject and placement per video
    videos = truth.drop_duplicates("video")
    assert set(videos["mirrored"]) == {True, False}
    assert set(videos["placement"]) <= {0, 1, 2} and videos["placement"].nunique() >= 2
    assert videos["subject_tempo"].std() > 0.05


def test_the_default_spec_carries_no_nuisance(tree):
    truth = tree.ground_truth(MAIN_VARIANT)
    assert not truth["mirrored"].any()
    assert (truth["placement"] == -1).all() and (truth["subject_tempo"] == 1.0).all()
