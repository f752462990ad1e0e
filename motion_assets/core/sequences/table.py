"""The ``code_sequences`` table: one row per sequence, the contract every later stage reads.

Columns (pyarrow types; nullable where the source may not say):

    sequence_id        string   stable id: path relative to the variant root, minus the
                                extension, plus ``#<line>`` for rows of a .jsonl file
    relative_path      string   the file, relative to the variant root
    line               int32    1-based line in a .jsonl file, null for one-sequence files
    video              string   the video the segment comes from (not a label)
    label              string   ground-truth label where the layout declares one
    source_schema      string   "segment_sidecar", "offline_export" or "jsonl_rows"
    window_count       int32    W
    codes_per_window   int32    d (14 today, 16 in older exports): one per variant, see
                                window_width.py
    codes              list<int32>   the W*d codes, window after window
    window_indices     list<int32>   global index of each window (gaps where a motion gate
                                     dropped windows); null when the file does not say
                                     (or gives flat codes without their width)
    length             int32    W*d
    codebook_size      int32    K: valid ids are [0, K)
    codebook_levels    list<int32>   FSQ levels used to decode ids into digits, or null
    stride             int32    frames between window starts (null if unknown)
    window_frames      int32    T, frames per window (null if unknown)
    target_fps         float64
    start_frame        int64
    end_frame          int64
    video_segment_path string   the clip the segment was cut into, for watching examples
    mean_latent        list<float32>  mean continuous latent where the file carries one
    content_hash       string   hash of (video, first window, codes): equal means duplicate
    duplicate_of       string   sequence_id of the first row with the same content_hash
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:  # the reader (and the CLI's scoring runtime) imports this without pandas
    import pandas as pd

CODE_SEQUENCES_SCHEMA = pa.schema(
    [
        ("sequence_id", pa.string()),
        ("relative_path", pa.string()),
        ("line", pa.int32()),
        ("video", pa.string()),
        ("label", pa.string()),
        ("source_schema", pa.string()),
        ("window_count", pa.int32()),
        ("codes_per_window", pa.int32()),
        ("codes", pa.list_(pa.int32())),
        ("window_indices", pa.list_(pa.int32())),
        ("length", pa.int32()),
        ("codebook_size", pa.int32()),
        ("codebook_levels", pa.list_(pa.int32())),
        ("stride", pa.int32()),
        ("window_frames", pa.int32()),
        ("target_fps", pa.float64()),
        ("start_frame", pa.int64()),
        ("end_frame", pa.int64()),
        ("video_segment_path", pa.string()),
        ("mean_latent", pa.list_(pa.float32())),
        ("content_hash", pa.string()),
        ("duplicate_of", pa.string()),
    ]
)

# kind: one of rejections.RejectionKind (what to group and match on); detail: for people
REJECTED_FILES_SCHEMA = pa.schema(
    [("relative_path", pa.string()), ("line", pa.int32()), ("kind", pa.string()),
     ("detail", pa.string())]
)

IGNORED_FILES_SCHEMA = pa.schema([("relative_path", pa.string()), ("why", pa.string())])


def codes_of(table: pd.DataFrame) -> list[np.ndarray]:
    """The flat code array of every row, as int64 numpy arrays."""
    return [np.asarray(codes, dtype=np.int64) for codes in table["codes"]]


def unique_sequences(table: pd.DataFrame) -> pd.DataFrame:
    """Rows that are not duplicates of an earlier row: what models should train on."""
    return table[table["duplicate_of"].isna()]


def rows_by_id(table: pd.DataFrame, sequence_ids) -> pd.DataFrame:
    """The rows of ``table`` for ``sequence_ids``, in that order: tables are joined on the
    stable ``sequence_id``, never on row position (a KeyError names any id missing)."""
    return table.set_index("sequence_id").loc[np.asarray(sequence_ids)].reset_index()
