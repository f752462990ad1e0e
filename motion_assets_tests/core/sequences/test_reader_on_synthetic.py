"""The reader against a generated tree: every bad file rejected for its kind, nothing else."""

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
    rejected = {r["relative_path"]: r["kind"] for r in result.rejected.to_pylist()}
    assert len(bad) > 0 and set(rejected) == set(bad.index)
    assert {path: rejected[path] for path in bad.index} == bad.to_dict()
    good = set(truth.loc[~truth["is_bad"].astype(bool), "relative_path"])
    assert good <= set(result.sequences.column("relative_path").to_pylist())
