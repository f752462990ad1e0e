"""The clusters catalog names clips relative to the variant folder, with short signatures."""

import numpy as np
import pandas as pd

from motion_assets.core.clustering.catalog import clip_in_variant, cluster_catalog

VARIANT = "epochs5_cb2048_stride4"


def test_a_producer_path_is_cut_below_the_variant_folder():
    path = f"/mnt/producer/{VARIANT}/D01_1/segmented_videos/D01_1_segment_0003.mp4"
    assert clip_in_variant(path, "D01_1/code_indices/x.codes.json", VARIANT) == \
        "D01_1/segmented_videos/D01_1_segment_0003.mp4"


def test_a_path_from_another_root_is_cut_below_its_video_folder():
    path = "/data/other_name/D01_2/segmented_videos/D01_2_segment_0001.mp4"
    assert clip_in_variant(path, "D01_2/code_indices/y.codes.json", VARIANT) == \
        "D01_2/segmented_videos/D01_2_segment_0001.mp4"


def test_a_sequence_without_a_clip_is_shown_by_its_file():
    assert clip_in_variant(None, "run/json/walk/c1.json", VARIANT) == "run/json/walk/c1.json"


def test_catalog_rows_have_three_signature_terms_and_relative_examples():
    summary = pd.DataFrame({"cluster": [-1, 0], "size": [1, 2], "share": [1 / 3, 2 / 3],
                            "mean_probability": [0.0, 0.9], "unknown_share": [1.0, 0.0],
                            "persistence": [np.nan, 0.25], "representatives": [[], [1, 0]]})
    members = pd.DataFrame({
        "video_segment_path": [f"/p/{VARIANT}/V/segmented_videos/V_segment_0000.mp4", None, None],
        "relative_path": ["V/code_indices/a.codes.json", "V/code_indices/b.codes.json",
                          "V/code_indices/c.codes.json"]})
    signatures = pd.DataFrame({"cluster": [0] * 4, "rank": [1, 2, 3, 4],
                               "term": ["12", "12-7", "7-7-1", "99"]})
    catalog = cluster_catalog(summary, members, signatures, VARIANT)
    assert catalog["cluster"].tolist() == [0]
    assert catalog.loc[0, "signature"] == "12, 12-7, 7-7-1"
    assert catalog.loc[0, ["example_1", "example_2"]].tolist() == [
        "V/code_indices/b.codes.json", "V/segmented_videos/V_segment_0000.mp4"]
    assert catalog["example_3"].isna().all()  # the cluster has two members
