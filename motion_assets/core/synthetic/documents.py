"""The JSON documents of the real tree, as plain dicts (writing them is tree.py's job).

Schema 1 sidecars and Schema 2 clips are sequences; segment lists, perf summaries and energy
or perf logs are the non-sequence files a reader must list as ignored.
"""

from __future__ import annotations

import numpy as np

from .layout import PRODUCER_ROOT, SegmentFile, clip_path
from .motion import Video
from .spec import SyntheticSpec
from .tokenizer import Tokenizer

OVERLAP_RATIO_THRESHOLD = 0.25
FLOAT_DECIMALS = 4  # keeps vector files smaller without changing what they say


def segment_frames(window_indices: np.ndarray, tokenizer: Tokenizer) -> tuple[int, int]:
    """First and last frame the segment's windows cover."""
    first = int(window_indices[0]) * tokenizer.stride
    return first, int(window_indices[-1]) * tokenizer.stride + tokenizer.window_frames - 1


def sidecar(
    entry: SegmentFile,
    variant: str,
    tokenizer: Tokenizer,
    spec: SyntheticSpec,
    project_out: np.ndarray | None = None,
) -> dict:
    """A Schema 1 ``*.codes.json`` document.

    ``project_out`` ``(n_levels, D)`` adds ``quantized_windows``: the FSQ output (digits scaled
    to [-1, 1]) through a fixed linear map, so it carries nothing the ids do not.
    """
    segment = entry.segment
    start, end = segment_frames(segment.window_indices, tokenizer)
    document = {
        "codes_windows": segment.codes.tolist(),
        "selected_win_idxs": segment.window_indices.tolist(),
        "overlap_ratio_threshold": OVERLAP_RATIO_THRESHOLD,
        "segment": {
            "start_frame": start,
            "end_frame": end,
            "start_win": int(segment.window_indices[0]),
        },
        "window": {
            "T": tokenizer.window_frames,
            "stride": tokenizer.stride,
            "target_fps": spec.target_fps,
        },
        "align": "start",
        "video_segment_path": clip_path(variant, entry.video, entry.number),
        "source": "stream_online",
        "allow_overlap": True,
    }
    if project_out is not None:
        unit = tokenizer.codebook.unit_digits(segment.codes)
        document["quantized_windows"] = np.round(unit @ project_out, FLOAT_DECIMALS).tolist()
    return document


def offline_clip(
    video: Video,
    label: str,
    clip: str,
    tokenizer: Tokenizer,
    spec: SyntheticSpec,
    latent_map: np.ndarray,
    *,
    flat_codes: bool,
    flat_latent: bool,
) -> dict:
    """A Schema 2 export of a whole clip; ``latent_map`` ``(n_levels, D)`` makes its latents."""
    codes = video.codes
    n_windows, d = codes.shape
    latent = np.round(video.bounded @ latent_map, FLOAT_DECIMALS)
    latent = latent.reshape(n_windows * d, -1)
    size = int(np.prod(tokenizer.levels))
    document = {
        "meta": {
            "encoder_sequence_len": d,
            "codebook_size": size,
            "codebook_levels": list(tokenizer.levels),
            "T": tokenizer.window_frames,
            "stride": tokenizer.stride,
            "target_fps": spec.target_fps,
            "video_path": f"{PRODUCER_ROOT}/offline/{label}/{clip}.mp4",
        },
        "window_starts": (np.arange(n_windows) * tokenizer.stride).tolist(),
        "codes_source": "fsq_indices",
        "effective_codebook_size": size,
        "fsq_indices_info": {"levels": list(tokenizer.levels), "dtype": "int64"},
        "latent_matrix": latent.reshape(-1).tolist() if flat_latent else latent.tolist(),
        "latent_matrix_shape": list(latent.shape),
    }
    if flat_codes:
        document["code_sequences_flat"] = codes.reshape(-1).tolist()
    else:
        document["code_sequences"] = codes.tolist()
    return document


def segment_list(video_name: str, entries: list[SegmentFile], tokenizer: Tokenizer) -> dict:
    """``segmented_videos/<video>_segments.json``: what the segmenter cut (not a sequence)."""
    rows = []
    for entry in entries:
        start, end = segment_frames(entry.segment.window_indices, tokenizer)
        rows.append(
            {
                "index": entry.number,
                "start_frame": start,
                "end_frame": end,
                "start_win": int(entry.segment.window_indices[0]),
                "clip": f"{video_name}_segment_{entry.number:04d}.mp4",
            }
        )
    return {"video": video_name, "segments": rows}


def perf_summary(video_name: str, video: Video, rng: np.random.Generator) -> dict:
    """``<video>_perf_summary.json`` (not a sequence)."""
    latency = rng.gamma(9.0, 2.0, 32)
    return {
        "video": video_name,
        "windows": int(video.codes.shape[0]),
        "segments": len(video.segments),
        "latency_ms_mean": round(float(latency.mean()), 3),
        "latency_ms_p95": round(float(np.percentile(latency, 95)), 3),
        "throughput_fps": round(float(rng.uniform(25, 40)), 2),
        "device": "jetson-orin",
    }


def log_rows(video: Video, rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    """Rows of ``<video>_energy.jsonl`` and ``<video>_perf.jsonl`` (not sequences)."""
    energy = [
        {
            "t_s": round(i * 10.0, 1),
            "power_w": round(float(rng.uniform(8, 15)), 3),
            "energy_j": round(float(i * 10 * rng.uniform(8, 15)), 2),
        }
        for i in range(6)
    ]
    perf = [
        {"window": int(w), "latency_ms": round(float(rng.gamma(9.0, 2.0)), 3)}
        for w in range(0, video.codes.shape[0], max(1, video.codes.shape[0] // 10))
    ]
    return energy, perf
