"""Overlap removal keeps the first window whole and only new frames' codes after it."""

import numpy as np
import pandas as pd
import pytest

from motion_assets.core.sequences.overlap import (
    featurizer_sequences,
    new_frame_codes,
    overlap_unknown,
)


def test_first_window_whole_then_only_codes_of_new_frames():
    # d = 5 codes per window, T = 10 frames, stride 4: a next window (gap 1) brings
    # ceil(1 * 4 * 5 / 10) = 2 new codes; a gap of 2 brings ceil(8 * 5 / 10) = 4.
    codes = np.arange(20)  # windows [0..4], [5..9], [10..14], [15..19]
    kept = new_frame_codes(codes, 5, np.array([7, 8, 10, 13]), stride=4, window_frames=10)
    assert kept.tolist() == [0, 1, 2, 3, 4, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19]


def test_windows_that_do_not_overlap_are_kept_whole():
    codes = np.arange(6)
    assert new_frame_codes(codes, 3, None, stride=15, window_frames=15).tolist() == list(range(6))


def test_missing_window_indices_mean_consecutive_windows():
    kept = new_frame_codes(np.arange(9), 3, None, stride=5, window_frames=15)
    assert kept.tolist() == [0, 1, 2, 5, 8]


def test_decreasing_window_indices_are_refused():
    with pytest.raises(ValueError, match="must increase"):
        new_frame_codes(np.arange(6), 3, np.array([4, 4]), stride=4, window_frames=15)


def test_table_rows_without_stride_keep_all_codes_and_are_listed():
    table = pd.DataFrame(
        {
            "sequence_id": ["a", "b"],
            "codes": [list(range(6)), list(range(6))],
            "codes_per_window": [3, 3],
            "window_indices": [[0, 1], None],
            "stride": [5, None],
            "window_frames": [15, None],
        }
    )
    a, b = featurizer_sequences(table, remove_overlap=True)
    assert a.tolist() == [0, 1, 2, 5] and b.tolist() == list(range(6))
    assert overlap_unknown(table) == ["b"]
    assert [len(s) for s in featurizer_sequences(table)] == [6, 6]
