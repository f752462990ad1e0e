"""Names and relative paths of the real tokenizer folder layouts (see INPUT_FORMAT.md)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .motion import Segment
from .world import Recording

# Where the producing machine kept its clips; only ever written inside generated data.
PRODUCER_ROOT = "/data/recordings"


@dataclass(frozen=True, eq=False)
class SegmentFile:
    """A segment sidecar to write: its number in the video and its path in the variant."""

    video: str
    number: int
    segment: Segment
    relative_path: str  # relative to the variant folder
    duplicate_of: str | None  # relative path of the file it repeats


def segment_file_name(number: int, start_window: int) -> str:
    return f"segment_{number:04d}_startwin_{start_window:06d}.codes.json"


def clip_path(variant: str, video: str, number: int) -> str:
    """The absolute .mp4 path a sidecar names (on the producing machine, not here)."""
    return f"{PRODUCER_ROOT}/{variant}/{video}/segmented_videos/{video}_segment_{number:04d}.mp4"


def segment_files(recording: Recording) -> Iterator[SegmentFile]:
    """Every sidecar of a video in segmenter order; a duplicated segment is written twice,
    the copy under the next number with the same start window."""
    number = 0
    for segment in recording.video.segments:
        start = int(segment.window_indices[0])
        path = f"{recording.name}/code_indices/{segment_file_name(number, start)}"
        yield SegmentFile(recording.name, number, segment, path, None)
        number += 1
        if segment.duplicated:
            copy = f"{recording.name}/code_indices/{segment_file_name(number, start)}"
            yield SegmentFile(recording.name, number, segment, copy, path)
            number += 1
