"""One recorded video: action bouts -> smooth latent motion -> window codes -> segments.

A video is a run of action bouts. Each bout is one action instance (maybe entered part way
through) at its own speed and amplitude. The latent is smoothed across bout edges, gets
observation noise and the video's viewpoint (rotation + offset), and is encoded window by
window. The segmenter then cuts each bout into a segment of a few windows whose edges may be
off by one window (missing the start, or taking a window of the neighbour), and a motion gate
drops some windows inside it (gaps in ``window_indices``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .actions import ActionPath
from .spec import SyntheticSpec
from .tokenizer import Tokenizer

SMOOTHING_FRAMES = 5  # bout edges blend over about half a second


@dataclass(frozen=True, eq=False)
class View:
    """How a camera and a person's placement transform the latent: ``z @ rotation.T + offset``."""

    rotation: np.ndarray  # (m, m)
    offset: np.ndarray  # (m,)

    def apply(self, latent: np.ndarray) -> np.ndarray:
        return latent @ self.rotation.T + self.offset

    def then(self, other: View) -> View:
        """This view followed by ``other``."""
        return View(other.rotation @ self.rotation, self.offset @ other.rotation.T + other.offset)


def plane_rotation(m: int, degrees: float, rng: np.random.Generator) -> np.ndarray:
    """A rotation by ``degrees`` within a random 2-plane of R^m."""
    basis, _ = np.linalg.qr(rng.normal(size=(m, 2)))
    u, v = basis[:, 0], basis[:, 1]
    theta = np.deg2rad(degrees)
    outer_uu, outer_vv = np.outer(u, u), np.outer(v, v)
    return (
        np.eye(m)
        + (np.cos(theta) - 1) * (outer_uu + outer_vv)
        + np.sin(theta) * (np.outer(v, u) - np.outer(u, v))
    )


def random_view(spec: SyntheticSpec, rng: np.random.Generator) -> View:
    """A per-video viewpoint: a random rotation and offset sized by the drift knobs."""
    m = spec.latent_dim
    rotation = plane_rotation(m, rng.normal(0, spec.video_rotation_deg), rng)
    return View(rotation, rng.normal(0, spec.video_drift, m))


@dataclass(frozen=True)
class Subject:
    """Who performs a video, and where the sensor sits: nuisance the action does not change.

    ``tempo`` and ``amplitude`` scale every bout; ``mirrored``: the other limb (the latent
    reflected); ``placement``: which sensor placement (-1 = none), an offset of the latent.
    """

    tempo: float = 1.0
    amplitude: float = 1.0
    mirrored: bool = False
    placement: int = -1


@dataclass(frozen=True, eq=False)
class Segment:
    """A segment as the streaming segmenter cuts it."""

    action: str
    window_indices: np.ndarray  # (W,) global window indices, increasing, maybe with gaps
    codes: np.ndarray  # (W, d) int64 ids
    duplicated: bool  # the segmenter wrote it twice


@dataclass(frozen=True, eq=False)
class Video:
    """All window codes of a video and the segments cut from it."""

    codes: np.ndarray  # (total windows, d)
    bounded: np.ndarray  # (total windows, d, n_levels) encoder output before rounding
    segments: list[Segment]


def _bout_latent(actions, bout_action, bout_starts, n_frames, spec, rng, subject) -> np.ndarray:
    """The clean latent of every frame: each bout plays its action from its start frame."""
    frame_bout = np.searchsorted(bout_starts, np.arange(n_frames), side="right") - 1
    frame_action = bout_action[frame_bout]
    n_bouts = len(bout_action)
    speed = subject.tempo * np.exp(rng.normal(0, spec.speed_jitter, n_bouts))
    amplitude = subject.amplitude * np.exp(rng.normal(0, spec.amplitude_jitter, n_bouts))
    start_phase = rng.uniform(0, spec.start_phase_max, n_bouts)
    latent = np.empty((n_frames, spec.latent_dim))
    elapsed = np.arange(n_frames) - bout_starts[frame_bout]
    for index in np.unique(bout_action):
        action = actions[index]
        rows = np.flatnonzero(frame_action == index)
        bouts = frame_bout[rows]
        phase = start_phase[bouts] + speed[bouts] * elapsed[rows] / action.frames
        motion = action.at(phase) - action.base
        latent[rows] = action.base + amplitude[bouts, None] * motion
    return latent


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Moving average along axis 0, same length (edges use the available frames)."""
    kernel = np.ones(width) / width
    padded = np.pad(values, ((width // 2, width - 1 - width // 2), (0, 0)), mode="edge")
    return np.stack(
        [np.convolve(padded[:, k], kernel, mode="valid") for k in range(values.shape[1])], axis=1
    )


def _cut(first: int, last: int, floor: int, n_windows: int, spec, rng) -> np.ndarray:
    """The windows the segmenter keeps for a bout whose own windows are ``first..last``."""
    if rng.random() < spec.boundary_jitter:
        first += rng.choice((-1, 1))
    if rng.random() < spec.boundary_jitter:
        last += rng.choice((-1, 1))
    first = max(first, floor)
    last = min(max(last, first + spec.min_windows - 1), first + spec.max_windows - 1, n_windows - 1)
    windows = np.arange(first, last + 1)
    keep = rng.random(len(windows)) >= spec.gate_drop
    if keep.sum() < spec.min_windows:
        return windows
    return windows[keep]


def simulate_video(
    actions: list[ActionPath],
    probabilities: np.ndarray,
    n_segments: int,
    tokenizer: Tokenizer,
    view: View,
    spec: SyntheticSpec,
    rng: np.random.Generator,
    subject: Subject = Subject(),
) -> Video:
    """A video of ``n_segments`` bouts drawn from ``actions`` with ``probabilities``, performed
    by ``subject`` (``view`` already holds its mirroring and placement)."""
    bout_action = rng.choice(len(actions), size=n_segments, p=probabilities)
    own_windows = rng.integers(spec.min_windows, spec.max_windows + 1, n_segments)
    gaps = rng.integers(1, 4, n_segments)  # transition windows between bouts
    first_window = int(rng.integers(1, 4)) + np.concatenate(
        [[0], np.cumsum(own_windows + gaps)[:-1]]
    )
    n_windows = int(first_window[-1] + own_windows[-1] + gaps[-1])
    n_frames = tokenizer.frames_for(n_windows)
    bout_starts = first_window * tokenizer.stride
    bout_starts[0] = 0

    latent = _bout_latent(actions, bout_action, bout_starts, n_frames, spec, rng, subject)
    noise = _smooth(rng.normal(0, 1, latent.shape), SMOOTHING_FRAMES)
    noise *= spec.latent_noise / max(noise.std(), 1e-9)
    latent = view.apply(_smooth(latent, SMOOTHING_FRAMES) + noise)
    codes, bounded = tokenizer.encode(latent, rng, spec.token_noise)

    segments = []
    floor = 0
    for bout, index in enumerate(bout_action):
        first = int(first_window[bout])
        windows = _cut(first, first + int(own_windows[bout]) - 1, floor, n_windows, spec, rng)
        floor = int(windows[-1]) + 1
        segments.append(
            Segment(
                action=actions[index].name,
                window_indices=windows,
                codes=codes[windows],
                duplicated=bool(rng.random() < spec.duplicate_share),
            )
        )
    return Video(codes=codes, bounded=bounded, segments=segments)
