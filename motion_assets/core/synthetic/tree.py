"""Write a synthetic tokenizer output tree and its ground truth.

    <root>/inference/<variant>/...      every layout of INPUT_FORMAT.md (Schema 1 and 2)
    <root>/labelled/<variant>/<raw label>/codes/<video>_<segment>.codes.json
    <root>/incoming/<variant>/<video>/code_indices/*.codes.json   later videos, for scoring
    <root>/ground_truth/<tree>/<variant>.csv, merge_map.json, actions.json

Ground truth lives beside the input folders, never inside them. Each CSV row is one sequence
(a file, or a line of a .jsonl file): relative_path (within the variant folder), line, video,
action, raw_label, is_unknown, is_bad, bad_kind, expected_reason, duplicate_of, recorded_at,
and the video's nuisance factors: mirrored, subject_tempo, subject_amplitude, placement
(-1 = none; offline clips leave them empty).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from .corrupt import BAD_KINDS, corrupt, pick_bad_kind
from .documents import log_rows, offline_clip, perf_summary, segment_list, sidecar
from .layout import segment_files
from .spec import SyntheticSpec, VariantSpec
from .world import Recording, World, build_world, record_clip, record_videos, stream_rng

PLACEHOLDER_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
TREES = ("inference", "labelled", "incoming")
NUISANCE_COLUMNS = ("mirrored", "subject_tempo", "subject_amplitude", "placement")


@dataclass(frozen=True)
class GeneratedTree:
    """Where everything went; ``ground_truth(variant, tree)`` reads a ground-truth CSV."""

    root: Path
    inference_root: Path
    labelled_root: Path
    incoming_root: Path
    ground_truth_dir: Path
    variants: tuple[str, ...]

    def ground_truth_path(self, variant: str, tree: str = "inference") -> Path:
        return self.ground_truth_dir / tree / f"{variant}.csv"

    def ground_truth(self, variant: str, tree: str = "inference") -> pd.DataFrame:
        return pd.read_csv(self.ground_truth_path(variant, tree), keep_default_na=True)

    def merge_map(self) -> dict[str, str]:
        return orjson.loads((self.ground_truth_dir / "merge_map.json").read_bytes())


def _dump(path: Path, document, pretty: bool = True) -> None:
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 if pretty else 0))


def _dump_lines(path: Path, rows: list) -> None:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))


class _Writer:
    """Writes sequence files, breaking a ``bad_share`` of them, and collects ground truth."""

    def __init__(self, world: World, rng: np.random.Generator):
        self.world = world
        self.rng = rng
        self.rows: list[dict] = []

    def sequence(
        self, path: Path, relative: str, document: dict, truth: dict, may_break: bool = True
    ) -> bool:
        """Write one sequence file; returns whether it was written broken."""
        kind = None
        if may_break and self.rng.random() < self.world.spec.bad_share:
            kind = pick_bad_kind(self.rng)
            path.write_bytes(corrupt(document, kind, self.rng))
        else:
            _dump(path, document)
        self.rows.append(
            {
                "relative_path": relative,
                "line": None,
                **truth,
                "is_bad": kind is not None,
                "bad_kind": kind,
                "expected_reason": BAD_KINDS.get(kind),
            }
        )
        return kind is not None

    def save(self, ground_truth_dir: Path, tree: str, variant: str) -> None:
        columns = [
            "relative_path",
            "line",
            "video",
            "action",
            "raw_label",
            "is_unknown",
            "is_bad",
            "bad_kind",
            "expected_reason",
            "duplicate_of",
            "recorded_at",
            *NUISANCE_COLUMNS,
        ]
        table = pd.DataFrame(self.rows, columns=columns)
        table["line"] = table["line"].astype("Int32")
        (ground_truth_dir / tree).mkdir(parents=True, exist_ok=True)
        table.to_csv(ground_truth_dir / tree / f"{variant}.csv", index=False)


def _truth(recording: Recording, action: str, spec: SyntheticSpec, **more) -> dict:
    return {
        "video": recording.name,
        "action": action,
        "raw_label": None,
        "is_unknown": action == spec.unknown_action,
        "duplicate_of": None,
        "recorded_at": recording.recorded_at.isoformat(),
        "mirrored": recording.subject.mirrored,
        "subject_tempo": round(recording.subject.tempo, 4),
        "subject_amplitude": round(recording.subject.amplitude, 4),
        "placement": recording.subject.placement,
        **more,
    }


def _write_stream_videos(
    root: Path,
    variant: VariantSpec,
    recordings: list[Recording],
    writer: _Writer,
    *,
    with_extras: bool,
) -> list:
    """Sidecars of every recording (plus the non-sequence files when ``with_extras``).

    Returns the (recording, entry) pairs written intact, for the labelled subset.
    """
    world, spec = writer.world, writer.world.spec
    tokenizer = world.stream_tokenizer
    project_out = None
    if variant.vector_dim:
        rng = stream_rng(spec, "fsq_project_out", str(variant.vector_dim))
        project_out = rng.normal(
            0, 1 / np.sqrt(len(spec.levels)), (len(spec.levels), variant.vector_dim)
        )
    extras_rng = stream_rng(spec, variant.name, "extras")
    intact = []
    for recording in recordings:
        folder = root / recording.name
        (folder / "code_indices").mkdir(parents=True, exist_ok=True)
        entries = list(segment_files(recording))
        for entry in entries:
            document = sidecar(entry, variant.name, tokenizer, spec, project_out)
            truth = _truth(recording, entry.segment.action, spec, duplicate_of=entry.duplicate_of)
            # Keep both files of a duplicate pair intact: the pair is the test there.
            repeated = entry.duplicate_of is not None or entry.segment.duplicated
            bad = writer.sequence(
                root / entry.relative_path,
                entry.relative_path,
                document,
                truth,
                may_break=not repeated,
            )
            if not bad and entry.duplicate_of is None:
                intact.append((recording, entry))
        if with_extras:
            _write_video_extras(folder, recording, entries, tokenizer, spec, extras_rng)
    return intact


def _write_video_extras(folder, recording, entries, tokenizer, spec, rng) -> None:
    clips = folder / "segmented_videos"
    clips.mkdir(exist_ok=True)
    _dump(
        clips / f"{recording.name}_segments.json", segment_list(recording.name, entries, tokenizer)
    )
    n_clips = len(entries) if spec.segment_video_files is None else spec.segment_video_files
    for entry in entries[:n_clips]:
        (clips / f"{recording.name}_segment_{entry.number:04d}.mp4").write_bytes(PLACEHOLDER_MP4)
    _dump(
        folder / f"{recording.name}_perf_summary.json",
        perf_summary(recording.name, recording.video, rng),
    )
    energy, perf = log_rows(recording.video, rng)
    _dump_lines(folder / f"{recording.name}_energy.jsonl", energy)
    _dump_lines(folder / f"{recording.name}_perf.jsonl", perf)


def _write_stream_codes(path: Path, recordings: list[Recording], limit: int) -> None:
    """The global ``stream_codes.jsonl``: window rows with no video id (not sequences)."""
    rows = []
    for recording in recordings:  # one stream: window numbers run on across videos
        rows += [
            {"window": len(rows) + w, "codes": codes}
            for w, codes in enumerate(recording.video.codes.tolist())
        ]
        if len(rows) >= limit:
            break
    _dump_lines(path, rows[:limit])


def _write_labelled(
    root: Path, variant: VariantSpec, intact: list, world: World, ground_truth_dir: Path
) -> None:
    """A hand-labelled subset: copies of intact known-action segments under raw label folders."""
    spec = world.spec
    rng = stream_rng(spec, variant.name, "labelled")
    writer = _Writer(world, rng)
    merge = world.raw_labels()
    raw_of: dict[str, list[str]] = {}
    for raw, action in merge.items():
        raw_of.setdefault(action, []).append(raw)
    known = [pair for pair in intact if pair[1].segment.action != spec.unknown_action]
    chosen = rng.choice(len(known), size=min(variant.labelled, len(known)), replace=False)
    for index in np.sort(chosen):
        recording, entry = known[index]
        action = entry.segment.action
        raw = str(rng.choice(raw_of[action]))
        name = f"{recording.name}_{Path(entry.relative_path).name}"
        relative = f"{raw}/codes/{name}"
        (root / raw / "codes").mkdir(parents=True, exist_ok=True)
        document = sidecar(entry, variant.name, world.stream_tokenizer, spec)
        writer.sequence(
            root / relative, relative, document, _truth(recording, action, spec, raw_label=raw)
        )
    writer.save(ground_truth_dir, "labelled", variant.name)


def _write_offline(root: Path, variant: VariantSpec, world: World, ground_truth_dir: Path) -> None:
    """An older offline export: ``json/<raw label>/<clip>.json`` plus ``codes.jsonl``."""
    spec = world.spec
    rng = stream_rng(spec, variant.name, "offline")
    writer = _Writer(world, rng)
    tokenizer = world.offline_tokenizer
    latent_map = rng.normal(0, 1, (len(tokenizer.levels), spec.offline_latent_dim))
    by_name = {action.name: action for action in world.known}
    lines = []
    for raw, action in world.raw_labels().items():
        (root / "json" / raw).mkdir(parents=True, exist_ok=True)
        for i in range(variant.n_videos):
            clip = f"clip_{i:04d}"
            video = record_clip(world, by_name[action], rng)
            flat_codes = bool(rng.random() < 0.25)
            document = offline_clip(
                video,
                raw,
                clip,
                tokenizer,
                spec,
                latent_map,
                flat_codes=flat_codes,
                flat_latent=bool(rng.random() < 0.5),
            )
            relative = f"json/{raw}/{clip}.json"
            truth = {
                "video": clip,
                "action": action,
                "raw_label": raw,
                "is_unknown": False,
                "duplicate_of": None,
                "recorded_at": None,
            }
            writer.sequence(root / relative, relative, document, truth, may_break=not flat_codes)
            lines.append(({"label": raw, "codes": video.codes.tolist()}, truth))
    _dump_lines(root / "codes.jsonl", [row for row, _ in lines])
    for number, (_, truth) in enumerate(lines, start=1):
        writer.rows.append(
            {
                "relative_path": "codes.jsonl",
                "line": number,
                **truth,
                "is_bad": False,
                "bad_kind": None,
                "expected_reason": None,
            }
        )
    writer.save(ground_truth_dir, "inference", variant.name)


def write_tokenizer_output(root: Path, spec: SyntheticSpec) -> GeneratedTree:
    """Write every variant of ``spec`` under ``root`` (created if needed) with ground truth."""
    root = Path(root)
    tree = GeneratedTree(
        root,
        root / "inference",
        root / "labelled",
        root / "incoming",
        root / "ground_truth",
        tuple(v.name for v in spec.variants),
    )
    world = build_world(spec)
    tree.ground_truth_dir.mkdir(parents=True, exist_ok=True)
    for variant in spec.variants:
        variant_root = tree.inference_root / variant.name
        variant_root.mkdir(parents=True, exist_ok=True)
        if variant.kind == "offline":
            _write_offline(variant_root, variant, world, tree.ground_truth_dir)
            continue
        writer = _Writer(world, stream_rng(spec, variant.name, "bad"))
        recordings = record_videos(world, variant)
        intact = _write_stream_videos(variant_root, variant, recordings, writer, with_extras=True)
        _write_stream_codes(variant_root / "stream_codes.jsonl", recordings, spec.stream_codes_rows)
        writer.save(tree.ground_truth_dir, "inference", variant.name)
        if variant.labelled:
            _write_labelled(
                tree.labelled_root / variant.name, variant, intact, world, tree.ground_truth_dir
            )
        if variant.incoming_videos:
            incoming = _Writer(world, stream_rng(spec, variant.name, "incoming-bad"))
            _write_stream_videos(
                tree.incoming_root / variant.name,
                variant,
                record_videos(world, variant, incoming=True),
                incoming,
                with_extras=False,
            )
            incoming.save(tree.ground_truth_dir, "incoming", variant.name)
    _dump(tree.ground_truth_dir / "merge_map.json", world.raw_labels())
    _dump(tree.ground_truth_dir / "actions.json", _describe(world))
    return tree


def _describe(world: World) -> dict:
    """What the ground truth means: actions, how they overlap, the spec that made them."""
    spec = world.spec
    return {
        "known_actions": [a.name for a in world.known],
        "unknown_action": spec.unknown_action,
        "frequencies": dict(
            zip([a.name for a in world.known], np.round(world.frequencies, 4).tolist())
        ),
        "relations": [asdict(r) for r in world.relations],
        "spec": {k: v for k, v in asdict(spec).items() if k != "variants"},
        "variants": [asdict(v) for v in spec.variants],
    }
