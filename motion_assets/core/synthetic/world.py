"""The simulated world behind every variant: actions, tokenizers, cameras and recordings.

One world per spec (and seed): all variants of a tree show the same actions, so a method can
be trained on one variant and compared on another. Each variant and each stream (inference,
incoming) draws from its own random stream, so adding a variant never changes another.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from .actions import ActionPath, ActionRelation, build_actions
from .motion import Subject, Video, View, plane_rotation, random_view, simulate_video
from .spec import SyntheticSpec, VariantSpec
from .tokenizer import Tokenizer

FIRST_RECORDING = datetime(2025, 8, 10, 2, 34, 0)
MINUTES_BETWEEN_VIDEOS = 47  # recordings are spaced out; jitter stays below this


def stream_rng(spec: SyntheticSpec, *names: str) -> np.random.Generator:
    """A random stream keyed by the seed and names (stable across runs, unlike ``hash``)."""
    return np.random.default_rng([spec.seed, *(zlib.crc32(n.encode()) for n in names)])


@dataclass(frozen=True, eq=False)
class World:
    spec: SyntheticSpec
    known: list[ActionPath]
    unknown: ActionPath
    relations: list[ActionRelation]
    frequencies: np.ndarray  # how often each known action is performed (sums to 1)
    stream_tokenizer: Tokenizer
    offline_tokenizer: Tokenizer

    def raw_labels(self) -> dict[str, str]:
        """Raw labelled-folder name -> action: the merge map an evaluation config needs.

        Like the real ``videos_nok_apperance`` / ``videos_nok_eletric`` -> ``nok``, one action
        is split over two raw folders; every other action has a single ``videos_`` folder.
        """
        split = next((r.first for r in self.relations if r.kind == "posture"), self.known[0].name)
        merge = {}
        for action in self.known:
            if action.name == split:
                merge[f"videos_{action.name}_appearance"] = action.name
                merge[f"videos_{action.name}_electric"] = action.name
            else:
                merge[f"videos_{action.name}"] = action.name
        return merge

    def subject_view(self, subject: Subject) -> View:
        """Mirroring (a reflection of the latent: the other limb) then the placement offset."""
        spec, m = self.spec, self.spec.latent_dim
        rng = stream_rng(spec, "nuisance")  # its own stream: the defaults keep their bytes
        axis = rng.normal(size=m)
        axis /= np.linalg.norm(axis)
        offsets = rng.normal(0, spec.placement_offset, (max(spec.placements, 1), m))
        rotation = np.eye(m) - 2 * np.outer(axis, axis) if subject.mirrored else np.eye(m)
        offset = offsets[subject.placement] if subject.placement >= 0 else np.zeros(m)
        return View(rotation, offset)

    def camera_view(self, camera: int) -> View:
        """Camera 1 is the reference; every other camera sees the latent rotated."""
        m = self.spec.latent_dim
        if camera == 1:
            return View(np.eye(m), np.zeros(m))
        rng = stream_rng(self.spec, "camera", str(camera))
        return View(plane_rotation(m, self.spec.camera_rotation_deg, rng), np.zeros(m))


def build_world(spec: SyntheticSpec) -> World:
    """Actions and their frequencies from ``spec.seed``; tokenizers from ``spec.tokenizer_seed``."""
    rng = stream_rng(spec, "world")
    # Frames the windows of a typical segment span, from the start of its action bout.
    seen_frames = spec.stride * ((spec.min_windows + spec.max_windows) / 2 - 1) + spec.window_frames
    known, unknown, relations = build_actions(
        spec.action_names,
        spec.unknown_action,
        spec.latent_dim,
        spec.action_frames,
        spec.start_phase_max / 2,
        seen_frames,
        rng,
    )
    weights = np.exp(spec.action_imbalance * rng.normal(0, 0.5, len(known)))

    # The tokenizer is one trained model whatever the recordings, so it has its own seed.
    tokenizer_rng = np.random.default_rng([spec.tokenizer_seed, zlib.crc32(b"tokenizer")])

    def tokenizer(levels, d, frames):
        return Tokenizer.random(
            tokenizer_rng,
            latent_dim=spec.latent_dim,
            levels=levels,
            codes_per_window=d,
            window_frames=frames,
            stride=spec.stride,
            context_mix=spec.context_mix,
            slot_scale=spec.slot_embedding,
            gain=spec.encoder_gain,
            rank=spec.encoder_rank,
            residual=spec.encoder_residual,
            bias_scale=spec.encoder_bias,
            velocity_weight=spec.velocity_weight,
        )

    return World(
        spec=spec,
        known=known,
        unknown=unknown,
        relations=relations,
        frequencies=weights / weights.sum(),
        stream_tokenizer=tokenizer(spec.levels, spec.codes_per_window, spec.window_frames),
        offline_tokenizer=tokenizer(
            spec.offline_levels, spec.offline_codes_per_window, spec.offline_window_frames
        ),
    )


@dataclass(frozen=True, eq=False)
class Recording:
    """One video of one variant: its folder name, when it was recorded, what it shows."""

    name: str
    recorded_at: datetime
    video: Video
    subject: Subject = field(default_factory=Subject)


def _subject(spec: SyntheticSpec, rng: np.random.Generator) -> Subject:
    """A video's performer and sensor placement (its own random stream, see record_videos)."""
    tempo, amplitude = np.exp(rng.normal(0, [spec.subject_tempo, spec.subject_amplitude]))
    return Subject(
        tempo=float(tempo),
        amplitude=float(amplitude),
        mirrored=bool(rng.random() < spec.mirror_share),
        placement=int(rng.integers(spec.placements)) if spec.placements else -1,
    )


def _action_mix(world: World, unknown_share: float) -> tuple[list[ActionPath], np.ndarray]:
    if unknown_share <= 0:
        return world.known, world.frequencies
    probabilities = np.append(world.frequencies * (1 - unknown_share), unknown_share)
    return [*world.known, world.unknown], probabilities


def record_videos(
    world: World,
    variant: VariantSpec,
    *,
    incoming: bool = False,
    n_videos: int | None = None,
    segments_per_video: int | None = None,
) -> list[Recording]:
    """The videos of a stream variant, in recording order.

    Inference videos show the unknown action only from ``spec.unknown_from`` of the timeline
    on; incoming videos come after all inference videos and show it more often.
    """
    spec = world.spec
    rng = stream_rng(spec, variant.name, "incoming" if incoming else "inference")
    if incoming:
        n_videos = variant.incoming_videos if n_videos is None else n_videos
        per_video = segments_per_video or variant.incoming_segments_per_video
        first_slot = variant.n_videos
    else:
        n_videos = variant.n_videos if n_videos is None else n_videos
        per_video = segments_per_video or variant.segments_per_video
        first_slot = 0
    unknown_from = math.ceil(spec.unknown_from * n_videos)
    camera_view = world.camera_view(variant.camera)
    # nuisance draws have their own stream, so all-zero knobs leave every other draw as it was
    subject_rng = stream_rng(spec, variant.name, "subjects" + ("-incoming" if incoming else ""))
    recordings = []
    for i in range(n_videos):
        slot = first_slot + i
        recorded_at = FIRST_RECORDING + timedelta(
            minutes=slot * MINUTES_BETWEEN_VIDEOS, seconds=int(rng.integers(0, 30 * 60))
        )
        if incoming:
            share = spec.incoming_unknown_share
        else:
            share = spec.unknown_share if i >= unknown_from else 0.0
        actions, probabilities = _action_mix(world, share)
        view = camera_view.then(random_view(spec, rng))
        subject = _subject(spec, subject_rng)
        if subject != Subject():
            view = world.subject_view(subject).then(view)
        video = simulate_video(
            actions, probabilities, per_video, world.stream_tokenizer, view, spec, rng, subject
        )
        name = f"D{variant.camera:02d}_{recorded_at:%Y%m%d%H%M%S}"
        recordings.append(Recording(name, recorded_at, video, subject))
    return recordings


def record_clip(world: World, action: ActionPath, rng: np.random.Generator) -> Video:
    """An offline-export clip: a few bouts of one action through the older tokenizer."""
    view = random_view(world.spec, rng)
    return simulate_video(
        [action],
        np.ones(1),
        int(rng.integers(2, 5)),
        world.offline_tokenizer,
        view,
        world.spec,
        rng,
    )
