"""The ``code_sequences`` table of a synthetic stream variant, without touching disk.

For fast unit tests of featurizers and clustering: the same code model and the same ids as
the sidecar files, but every row valid (broken files are a file-level matter, see corrupt.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from motion_assets.core.sequences.fsq import codebook_size_from_variant
from motion_assets.core.sequences.ingest import sequence_id_for as sequence_id
from motion_assets.core.sequences.reader import content_hash
from motion_assets.core.sequences.table import CODE_SEQUENCES_SCHEMA

from .layout import clip_path, segment_files
from .spec import SyntheticSpec
from .world import build_world, record_videos


def synthetic_sequence_table(n_sequences: int, seed: int = 0, **spec_overrides) -> pd.DataFrame:
    """``n_sequences`` rows of the main stream variant, in recording order.

    Columns: exactly ``CODE_SEQUENCES_SCHEMA`` (codes and window indices as int32 numpy
    arrays) plus ``action`` (ground-truth action name) and ``is_unknown`` (bool).
    ``spec_overrides`` are :class:`SyntheticSpec` fields (difficulty knobs and so on).
    """
    spec = SyntheticSpec(seed=seed, **spec_overrides)
    world = build_world(spec)
    variant = spec.main_variant
    tokenizer = world.stream_tokenizer
    n_videos = max(1, math.ceil(n_sequences / variant.segments_per_video))
    size = codebook_size_from_variant(variant.name) or tokenizer.codebook.size
    levels = np.asarray(spec.levels, dtype=np.int32)

    rows = []
    for recording in record_videos(world, variant, n_videos=n_videos):
        for entry in segment_files(recording):
            if len(rows) == n_sequences:
                break
            segment = entry.segment
            windows = segment.window_indices
            flat = segment.codes.reshape(-1).astype(np.int32)
            rows.append(
                {
                    "sequence_id": sequence_id(entry.relative_path),
                    "relative_path": entry.relative_path,
                    "line": None,
                    "video": entry.video,
                    "label": None,
                    "source_schema": "segment_sidecar",
                    "window_count": len(windows),
                    "codes_per_window": segment.codes.shape[1],
                    "codes": flat,
                    "window_indices": windows.astype(np.int32),
                    "length": flat.size,
                    "codebook_size": size,
                    "codebook_levels": levels,
                    "stride": tokenizer.stride,
                    "window_frames": tokenizer.window_frames,
                    "target_fps": float(spec.target_fps),
                    "start_frame": int(windows[0]) * tokenizer.stride,
                    "end_frame": int(windows[-1]) * tokenizer.stride + tokenizer.window_frames - 1,
                    "video_segment_path": clip_path(variant.name, entry.video, entry.number),
                    "mean_latent": None,
                    "content_hash": content_hash(entry.video, int(windows[0]), flat),
                    "duplicate_of": sequence_id(entry.duplicate_of) if entry.duplicate_of else None,
                    "action": segment.action,
                    "is_unknown": segment.action == spec.unknown_action,
                }
            )
    columns = [*CODE_SEQUENCES_SCHEMA.names, "action", "is_unknown"]
    table = pd.DataFrame(rows, columns=columns)
    table["is_unknown"] = table["is_unknown"].astype(bool)
    return table
