"""The reader against a generated tree: every bad file rejected for its reason, nothing else."""

import dataclasses

import pytest

from motion_assets.core.sequences.ingest import read_sequence_folder
from motion_assets.core.sequences.reader import CodebookSettings
from motion_assets.core.synthetic import (
    MAIN_VARIANT,
    SyntheticSpec,
    VariantSpec,
    write_tokenizer_output,
)

REASON_OF_KIND = {
    "invalid_json": ("not valid JSON", "truncated JSON", "empty file"),
    "no_codes": ("no codes field",),
    "empty_codes": ("empty codes",),
    "id_out_of_range": ("outside [0,",),
    "non_integer_id": ("non-integer code",),
    "ragged_windows": ("ragged windows",),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    main = VariantSpec(MAIN_VARIANT, n_videos=8, segments_per_video=40, labelled=80)
    spec = dataclasses.replace(SyntheticSpec.demo(seed=5), variants=(main,), bad_share=0.06)
    return write_tokenizer_output(tmp_path_factory.mktemp("synthetic"), spec)


@pytest.mark.parametrize("which", ["inference", "labelled"])
def test_rejections_match_the_ground_truth(tree, which):
    root = (tree.inference_root if which == "inference" else tree.labelled_root) / MAIN_VARIANT
    result = read_sequence_folder(str(root), CodebookSettings(variant=MAIN_VARIANT),
                                  label_depth=0 if which == "labelled" else None)
    truth = tree.ground_truth(MAIN_VARIANT, which)
    bad = truth[truth["is_bad"].astype(bool)].set_index("relative_path")["expected_reason"]
    rejected = {r["relative_path"]: r["reason"] for r in result.rejected.to_pylist()}
    assert len(bad) > 0 and set(rejected) == set(bad.index)
    for path, kind in bad.items():
        assert any(words in rejected[path] for words in REASON_OF_KIND[kind]), (path, kind, rejected[path])
    good = set(truth.loc[~truth["is_bad"].astype(bool), "relative_path"])
    assert good <= set(result.sequences.column("relative_path").to_pylist())
