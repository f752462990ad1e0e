"""What to generate: sizes, variants and difficulty knobs of a synthetic tokenizer output.

Everything the generator does is decided by one frozen :class:`SyntheticSpec` (and its seed),
so the same spec always writes the same bytes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

MAIN_VARIANT = "epochs5_complete500_d01_m10_cb2048_stride4"
SECOND_CAMERA_VARIANT = "epochs5_complete500_d02_m10_cb2048_stride4"
VECTOR_VARIANT = "epochs5_complete500_d01_m10_cb2048_stride4_vector"
OFFLINE_VARIANT = "offline_epochs3_d01_m10_cb2048_stride4"

# Default names for the known actions; pairs are built to overlap (see actions.py):
# pick/place share poses in opposite order, screw/screw_fast differ in speed,
# inspect/rotate share a base posture, carry stands alone.
DEFAULT_ACTION_NAMES = ("pick", "place", "screw", "screw_fast", "inspect", "rotate", "carry")


@dataclass(frozen=True)
class VariantSpec:
    """One dataset variant folder.

    ``kind`` is ``"stream"`` (Schema 1 sidecars per segment, the streaming tokenizer) or
    ``"offline"`` (Schema 2 clips under ``json/<label>/`` plus ``codes.jsonl``, the older
    tokenizer). ``vector_dim`` > 0 adds ``quantized_windows`` of that width to every sidecar.
    For offline variants ``n_videos`` counts clips per raw label.
    """

    name: str
    kind: str = "stream"
    camera: int = 1
    n_videos: int = 40
    segments_per_video: int = 50
    vector_dim: int = 0
    labelled: int = 0  # hand-labelled segments copied under the labelled root
    incoming_videos: int = 0  # new videos written under the incoming root
    incoming_segments_per_video: int = 20

    def __post_init__(self) -> None:
        if "/" in self.name or ".." in self.name or not self.name:
            raise ValueError(f"variant name must be a plain folder name, got {self.name!r}")
        if self.kind not in ("stream", "offline"):
            raise ValueError(f"variant kind must be 'stream' or 'offline', got {self.kind!r}")


DEFAULT_VARIANTS = (
    VariantSpec(
        MAIN_VARIANT, camera=1, n_videos=40, segments_per_video=50, labelled=300, incoming_videos=4
    ),
    VariantSpec(SECOND_CAMERA_VARIANT, camera=2, n_videos=20, segments_per_video=40),
    VariantSpec(VECTOR_VARIANT, camera=1, n_videos=2, segments_per_video=10, vector_dim=768),
    VariantSpec(OFFLINE_VARIANT, kind="offline", n_videos=12),
)


@dataclass(frozen=True)
class SyntheticSpec:
    """Sizes, variants and difficulty knobs. Defaults are meant to be hard, like real data."""

    seed: int = 0  # actions, recordings, noise, broken files
    tokenizer_seed: int = 0  # the encoder weights: one "trained" tokenizer across seeds
    variants: tuple[VariantSpec, ...] = DEFAULT_VARIANTS

    # The world: known actions plus one unknown action that only shows up late.
    action_names: tuple[str, ...] = DEFAULT_ACTION_NAMES
    unknown_action: str = "drop"
    latent_dim: int = 6  # the motion latent the encoder sees (low-dimensional, smooth)

    # Streaming tokenizer (Schema 1): d codes per window of T frames, FSQ levels.
    levels: tuple[int, ...] = (8, 8, 6, 5)
    codes_per_window: int = 14
    window_frames: int = 15
    stride: int = 4
    target_fps: float = 10.0
    # Older offline tokenizer (Schema 2).
    offline_levels: tuple[int, ...] = (8, 8, 8, 4)
    offline_codes_per_window: int = 16
    offline_window_frames: int = 16
    offline_latent_dim: int = 16  # width of latent_matrix rows

    # Segments: windows per segment, and frames an action instance lasts at speed 1.
    min_windows: int = 2
    max_windows: int = 5
    action_frames: tuple[float, float] = (26.0, 44.0)

    # Difficulty knobs.
    latent_noise: float = 0.12  # observation noise on the motion latent (per frame)
    token_noise: float = 0.15  # noise inside the encoder before quantization (per code)
    video_drift: float = 0.20  # per-video offset of the latent (person / camera placement)
    video_rotation_deg: float = 15.0  # per-video rotation of the latent (viewpoint)
    camera_rotation_deg: float = 35.0  # fixed rotation per extra camera
    speed_jitter: float = 0.25  # log-normal sigma of per-segment speed
    amplitude_jitter: float = 0.20  # log-normal sigma of per-segment amplitude
    start_phase_max: float = 0.35  # segments may start this far into an action
    boundary_jitter: float = 0.35  # chance that each segment edge is off by one window
    gate_drop: float = 0.12  # chance the motion gate drops a window inside a segment
    context_mix: float = 0.35  # how much each token mixes in its whole window
    slot_embedding: float = 0.5  # scale of the per-slot (position) embedding
    encoder_gain: float = 1.6  # > 1 saturates tanh: the FSQ edges get used most
    encoder_rank: int = 3  # directions the encoder squeezes motion through (codebook collapse)
    encoder_residual: float = 0.10  # full-rank part of the encoder map
    encoder_bias: float = 0.5  # off-centre FSQ axes: some digits are rarely reached
    velocity_weight: float = 1.5  # how much a code sees motion direction, not just the pose
    action_imbalance: float = 1.0  # 0 = uniform action frequencies, larger = more skewed

    # Nuisance factors: the same action, other codes (recorded per video in the ground truth).
    # All 0 by default (the same bytes as before they existed); SyntheticSpec.hard() sets them.
    mirror_share: float = 0.0  # share of subjects performing with the other limb (latent mirrored)
    subject_tempo: float = 0.0  # log-normal sigma of a subject's speed, on top of per-segment jitter
    subject_amplitude: float = 0.0  # log-normal sigma of a subject's amplitude
    placements: int = 0  # sensor placements; each video draws one (0 = none)
    placement_offset: float = 0.0  # size of each placement's fixed offset of the latent

    # Unknown action: absent from the first part of the timeline and from the labelled set.
    unknown_from: float = 0.6  # share of videos (by timestamp) before it first appears
    unknown_share: float = 0.25  # share of segments in those later videos
    incoming_unknown_share: float = 0.35

    # File-level trouble.
    duplicate_share: float = 0.01  # segments written twice (same codes, same windows)
    bad_share: float = 0.02  # sequence files written broken, with a known rejection reason
    segment_video_files: int | None = 3  # placeholder .mp4 per video; None = one per segment
    stream_codes_rows: int = 400  # rows in the global stream_codes.jsonl

    def __post_init__(self) -> None:
        if not self.action_names:
            raise ValueError("at least one known action is needed")
        if self.unknown_action in self.action_names:
            raise ValueError("the unknown action must not be one of the known actions")
        if not 1 <= self.min_windows <= self.max_windows:
            raise ValueError(
                f"need 1 <= min_windows <= max_windows, got {self.min_windows}, {self.max_windows}"
            )
        if not 0.0 <= self.mirror_share <= 1.0:
            raise ValueError(f"mirror_share must lie in [0, 1], got {self.mirror_share}")
        if self.placements < 0:
            raise ValueError(f"placements must be >= 0, got {self.placements}")
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique, got {names}")

    @property
    def main_variant(self) -> VariantSpec:
        """The first stream variant: the one the in-memory table and the demo revolve around."""
        return next(v for v in self.variants if v.kind == "stream")

    def replace(self, **changes) -> SyntheticSpec:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def demo(cls, seed: int = 0) -> SyntheticSpec:
        """A small tree with every layout (about 900 main-variant segments), written in seconds."""
        return cls(
            seed=seed,
            variants=(
                VariantSpec(
                    MAIN_VARIANT,
                    camera=1,
                    n_videos=30,
                    segments_per_video=30,
                    labelled=150,
                    incoming_videos=4,
                    incoming_segments_per_video=20,
                ),
                VariantSpec(SECOND_CAMERA_VARIANT, camera=2, n_videos=4, segments_per_video=15),
                VariantSpec(
                    VECTOR_VARIANT, camera=1, n_videos=2, segments_per_video=6, vector_dim=16
                ),
                VariantSpec(OFFLINE_VARIANT, kind="offline", n_videos=4),
            ),
        )

    @classmethod
    def hard(cls, seed: int = 0, variants: tuple[VariantSpec, ...] | None = None) -> SyntheticSpec:
        """Real-data trouble on top of the defaults: half the subjects mirrored (other limb),
        each subject's own tempo and amplitude, three sensor placements with their own latent
        offset, and segment edges off by a window more often. What the quality benchmark uses."""
        return cls(
            seed=seed,
            variants=variants or (
                VariantSpec(MAIN_VARIANT, n_videos=60, segments_per_video=50, labelled=400,
                            incoming_videos=10, incoming_segments_per_video=20),
            ),
            mirror_share=0.5,
            subject_tempo=0.25,
            subject_amplitude=0.25,
            placements=3,
            placement_offset=0.5,
            boundary_jitter=0.5,
        )

    @classmethod
    def benchmark(cls, n_files: int = 100_000, seed: int = 0) -> SyntheticSpec:
        """One stream variant with about ``n_files`` segment files, for reader benchmarks."""
        per_video = 100
        n_videos = max(1, -(-n_files // per_video))
        return cls(
            seed=seed,
            variants=(VariantSpec(MAIN_VARIANT, n_videos=n_videos, segments_per_video=per_video),),
        )
