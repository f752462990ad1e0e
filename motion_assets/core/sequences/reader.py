"""Turn one parsed tokenizer document into a validated sequence record, or a reason why not.

One order of precedence for the codes everywhere (training, batch, online):
``codes_windows``, then ``code_sequences``, then ``code_sequences_flat`` (then ``codes``
for rows of a .jsonl file). A record keeps its window structure besides the flat codes.
"""

from __future__ import annotations

import hashlib
import math
import posixpath
from dataclasses import dataclass
from itertools import chain

import numpy as np

from motion_assets.core.sequences.fsq import Codebook, resolve_codebook
from motion_assets.core.sequences.rejections import RejectionKind as Kind
from motion_assets.core.sequences.rejections import SequenceRejected

CODE_FIELDS = ("codes_windows", "code_sequences", "code_sequences_flat", "codes")


@dataclass(frozen=True)
class CodebookSettings:
    """What the variant and configuration say about the id range and FSQ levels."""

    variant: str | None = None
    configured_size: int | None = None
    configured_levels: tuple[int, ...] | None = None
    default_size: int = 2048
    codes_per_window: int | None = None  # the variant's window width, when configured

    def resolve(self, meta: dict | None = None) -> Codebook:
        meta = meta or {}
        levels = meta.get("codebook_levels")
        return resolve_codebook(
            meta_size=_positive_int(meta.get("codebook_size")),
            meta_levels=tuple(levels) if _is_int_list(levels) and levels else None,
            configured_size=self.configured_size,
            configured_levels=self.configured_levels,
            variant=self.variant,
            default_size=self.default_size,
        )


def _positive_int(value) -> int | None:
    return value if type(value) is int and value > 0 else None


def _is_int_list(values) -> bool:
    return isinstance(values, list) and all(type(v) is int for v in values)


def has_codes(document) -> bool:
    """Whether a parsed JSON value looks like a sequence (for sniffing undeclared files)."""
    return isinstance(document, dict) and any(key in document for key in CODE_FIELDS)


def _windows_of(document: dict, meta: dict, variant_width: int | None) -> tuple[list, bool]:
    """The codes as a list of windows, by the declared precedence, and whether the window
    width is known. Flat codes without a declared width (``meta.encoder_sequence_len``, else
    the configured variant width) come back as one window: ingest gives them the variant's
    width once every file is read (see window_width.py)."""
    for key in ("codes_windows", "code_sequences"):
        if key in document:
            windows = document[key]
            if windows is None:
                raise SequenceRejected(Kind.WRONG_TYPE, f"codes field {key!r} is null")
            if not isinstance(windows, list):
                raise SequenceRejected(Kind.WRONG_TYPE,
                                       f"{key!r} must be a list of windows, got {type(windows).__name__}")
            if windows and not isinstance(windows[0], list):
                raise SequenceRejected(Kind.WRONG_TYPE, f"{key!r} must be a list of lists (one per window)")
            return windows, True
    for key in ("code_sequences_flat", "codes"):
        if key in document:
            flat = document[key]
            if flat is None:
                raise SequenceRejected(Kind.WRONG_TYPE, f"codes field {key!r} is null")
            if not isinstance(flat, list):
                raise SequenceRejected(Kind.WRONG_TYPE, f"{key!r} must be a list, got {type(flat).__name__}")
            if flat and isinstance(flat[0], list):
                return flat, True  # jsonl rows may carry nested windows under "codes"
            d = _positive_int(meta.get("encoder_sequence_len")) or variant_width
            if d is None:
                return [flat], False
            if len(flat) % d:
                raise SequenceRejected(
                    Kind.RAGGED_WINDOWS, f"ragged windows: {len(flat)} flat codes do not split into windows of {d}"
                )
            return [flat[start : start + d] for start in range(0, len(flat), d)], True
    raise SequenceRejected(
        Kind.NO_CODES, "no codes field (expected codes_windows, code_sequences or code_sequences_flat)"
    )


def _check_codes(windows: list, codebook: Codebook) -> None:
    """Raise SequenceRejected with the first problem; the common valid case stays on a fast
    path of C-level builtins (this runs once per file on folders of 100k+ files)."""
    if not windows:
        raise SequenceRejected(Kind.EMPTY_CODES, "empty codes")
    if all(type(window) is list for window in windows):
        sizes = set(map(len, windows))
        if len(sizes) == 1 and set(map(type, chain.from_iterable(windows))) == {int}:
            if sizes == {0}:
                raise SequenceRejected(Kind.EMPTY_CODES, "empty codes (windows hold no codes)")
            if min(map(min, windows)) >= 0 and max(map(max, windows)) < codebook.size:
                return
    _explain_bad_codes(windows, codebook)


def _explain_bad_codes(windows: list, codebook: Codebook) -> None:
    d = len(windows[0]) if isinstance(windows[0], list) else -1
    for w, window in enumerate(windows):
        if not isinstance(window, list):
            raise SequenceRejected(Kind.WRONG_TYPE,
                                   f"window {w} is a {type(window).__name__}, not a list of codes")
        if len(window) != d:
            raise SequenceRejected(Kind.RAGGED_WINDOWS,
                                   f"ragged windows: window {w} has {len(window)} codes, window 0 has {d}")
        for position, code in enumerate(window):
            if type(code) is not int:
                raise SequenceRejected(
                    Kind.NON_INTEGER_ID, f"non-integer code {code!r} ({type(code).__name__}) at window {w}, position {position}"
                )
            if not 0 <= code < codebook.size:
                raise SequenceRejected(
                    Kind.ID_OUT_OF_RANGE, f"code {code} outside [0, {codebook.size}) at window {w}, position {position}"
                )
    raise SequenceRejected(Kind.EMPTY_CODES, "empty codes (windows hold no codes)")


def _mean_latent(document: dict, n_codes: int) -> np.ndarray | None:
    """Mean continuous latent over all codes, where the file carries latents."""
    latents = document.get("quantized_windows")
    if latents is None:
        latents = document.get("latent_matrix")
    if not latents:
        return None
    try:
        matrix = np.asarray(latents, dtype=np.float32)
    except (ValueError, TypeError):
        return None  # malformed latents are redundant with the ids: keep the sequence
    if matrix.ndim == 1:
        shape = document.get("latent_matrix_shape")
        if not (_is_int_list(shape) and len(shape) == 2 and math.prod(shape) == matrix.size):
            return None
        matrix = matrix.reshape(shape)
    matrix = matrix.reshape(-1, matrix.shape[-1])
    if matrix.shape[0] != n_codes or not np.isfinite(matrix).all():
        return None
    return matrix.mean(axis=0)


def _window_indices(document: dict, window_count: int, stride: int | None) -> list[int] | None:
    selected = document.get("selected_win_idxs")
    if _is_int_list(selected) and len(selected) == window_count:
        return selected
    starts = document.get("window_starts")
    if stride and _is_int_list(starts) and len(starts) == window_count:
        return [start // stride for start in starts]
    return None


def video_from_paths(document: dict) -> str | None:
    """The video a document names: its meta.video_path, else the folder above
    segmented_videos/ in its video_segment_path (used when the layout does not say)."""
    meta = document.get("meta") if isinstance(document.get("meta"), dict) else {}
    video_path = meta.get("video_path")
    if isinstance(video_path, str) and video_path:
        return posixpath.splitext(posixpath.basename(video_path.replace("\\", "/")))[0]
    segment_path = document.get("video_segment_path")
    if isinstance(segment_path, str):
        parts = segment_path.replace("\\", "/").split("/")
        if "segmented_videos" in parts:
            position = parts.index("segmented_videos")
            return parts[position - 1] if position > 0 else None
    return None


def content_hash(video: str | None, first_window: int | None, codes: np.ndarray) -> str:
    """Equal for the same codes from the same video and window range: a duplicate."""
    digest = hashlib.blake2b(digest_size=10)
    digest.update(f"{video}|{first_window}|".encode())
    digest.update(np.ascontiguousarray(codes, dtype=np.int32).tobytes())
    return digest.hexdigest()


def _optional_int(value) -> int | None:
    return value if type(value) is int else None


def sequence_record(document, settings: CodebookSettings, default_codebook: Codebook) -> dict:
    """Validate one parsed document and return its columns (see sequence_table.py).

    Raises SequenceRejected with the reason when it cannot be a sequence.
    """
    if not isinstance(document, dict):
        raise SequenceRejected(Kind.WRONG_TYPE,
                               f"top-level JSON is a {type(document).__name__}, not an object")
    meta = document.get("meta") if isinstance(document.get("meta"), dict) else {}
    codebook = settings.resolve(meta) if meta else default_codebook
    windows, width_known = _windows_of(document, meta, settings.codes_per_window)
    _check_codes(windows, codebook)
    codes = np.asarray(windows, dtype=np.int32).reshape(-1)
    window = document.get("window") if isinstance(document.get("window"), dict) else {}
    segment = document.get("segment") if isinstance(document.get("segment"), dict) else {}
    stride = _optional_int(window.get("stride", meta.get("stride")))
    indices = _window_indices(document, len(windows), stride) if width_known else None
    fps = window.get("target_fps", meta.get("target_fps"))
    label = document.get("label")
    return {
        "label": label if isinstance(label, str) else None,
        "window_count": len(windows) if width_known else None,  # None: settled by ingest
        "codes_per_window": len(windows[0]) if width_known else None,
        "codes": codes,
        "window_indices": indices,
        "length": int(codes.size),
        "codebook_size": codebook.size,
        "codebook_levels": list(codebook.levels) if codebook.levels else None,
        "stride": stride,
        "window_frames": _optional_int(window.get("T", meta.get("T"))),
        "target_fps": float(fps) if type(fps) in (int, float) else None,
        "start_frame": _optional_int(segment.get("start_frame")),
        "end_frame": _optional_int(segment.get("end_frame")),
        "video_segment_path": document.get("video_segment_path")
        if isinstance(document.get("video_segment_path"), str)
        else (meta.get("video_path") if isinstance(meta.get("video_path"), str) else None),
        "mean_latent": _mean_latent(document, int(codes.size)),
        "source_schema": "offline_export" if "meta" in document or "code_sequences" in document
        or "code_sequences_flat" in document else "segment_sidecar",
    }
