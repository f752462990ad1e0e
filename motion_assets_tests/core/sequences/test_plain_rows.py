"""Plain rows (what the scoring CLI reads) hold what the Arrow tables of ingestion hold."""

import dataclasses
import json

import numpy as np
import pytest

from motion_assets.core.sequences.discovery import list_sequence_files
from motion_assets.core.sequences.ingest import read_plain_rows, read_sequence_folder
from motion_assets.core.sequences.reader import CodebookSettings
from motion_assets.core.synthetic import (
    MAIN_VARIANT,
    SyntheticSpec,
    VariantSpec,
    write_tokenizer_output,
)

COMPARED = ("sequence_id", "relative_path", "line", "video", "content_hash", "codebook_size",
            "codebook_levels", "codes_per_window", "window_count", "length")


def assert_same_reading(root, settings):
    expected = read_sequence_folder(str(root), settings, workers=1)
    rows, rejected = read_plain_rows(str(root), list_sequence_files(str(root)), settings)
    table = expected.sequences.to_pylist()
    assert [{k: row[k] for k in COMPARED} for row in rows] == [
        {k: row[k] for k in COMPARED} for row in table]
    assert all(np.array_equal(row["codes"], theirs["codes"]) for row, theirs in zip(rows, table))
    assert rejected == expected.rejected.to_pylist()
    return rows, rejected


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    main = VariantSpec(MAIN_VARIANT, n_videos=4, segments_per_video=20, labelled=20)
    spec = dataclasses.replace(SyntheticSpec.demo(seed=5), variants=(main,), bad_share=0.1)
    return write_tokenizer_output(tmp_path_factory.mktemp("synthetic"), spec)


def test_a_generated_tree_with_bad_files_reads_alike(tree):
    rows, rejected = assert_same_reading(tree.inference_root / MAIN_VARIANT,
                                         CodebookSettings(variant=MAIN_VARIANT))
    assert rows and rejected


def write(root, relative, document):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else json.dumps(document))


def test_widths_settled_and_misfits_rejected_alike(tmp_path):
    for n in range(3):
        write(tmp_path, f"D01/code_indices/s{n}.codes.json",
              {"codes_windows": [[n + i for i in range(16)]] * 2})
    write(tmp_path, "D01/code_indices/narrow.codes.json", {"codes_windows": [[1] * 14] * 2})
    write(tmp_path, "D02/rows.jsonl", "\n".join(json.dumps({"codes": [3] * length})
                                                for length in (32, 30, 48)))
    _, rejected = assert_same_reading(tmp_path, CodebookSettings(variant="v_cb2048"))
    assert {r["kind"] for r in rejected} == {"mixed_width", "ragged_windows"}


def test_levels_that_cannot_express_the_ids_are_switched_off_alike(tmp_path):
    for n in range(2):
        write(tmp_path, f"D01/code_indices/s{n}.codes.json",
              {"codes_windows": [[2000 + n] * 14],
               "meta": {"codebook_size": 2048, "codebook_levels": [4, 4, 4]}})
    rows, _ = assert_same_reading(tmp_path, CodebookSettings(variant="v_cb2048"))
    assert [row["codebook_levels"] for row in rows] == [None, None]
