"""Find the sequence files in a tokenizer output folder, and say why the rest is ignored.

Only code files are samples. Segment lists, perf summaries, energy logs and the global
``stream_codes.jsonl`` live in the same tree and are listed as ignored, never read as
sequences. Layouts (INPUT_FORMAT.md):

    <video>/code_indices/segment_NNNN_startwin_WWWWWW.codes.json     streaming sidecars
    json/<label>/<clip>.json  (+ codes.jsonl beside json/)            older offline exports
    <label>/codes/<segment>.codes.json, <label>/**/*.json             labelled subsets
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

SEQUENCE_SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True)
class CandidateFile:
    """A file that holds, or may hold, sequences.

    ``declared`` files are sequences by name or place, so a file that fails to parse is a
    rejection; undeclared ones are sniffed, and ignored when they carry no codes.
    """

    relative_path: str
    video: str | None
    label: str | None
    declared: bool


@dataclass
class FolderListing:
    candidates: list[CandidateFile] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (relative_path, why)
    other_files: Counter = field(default_factory=Counter)  # non-JSON files by extension


def _ignored_reason(name: str, parts: tuple[str, ...], sibling_dirs: set[str]) -> str | None:
    if name == "stream_codes.jsonl":
        return "global window stream: rows are single windows without a video id"
    if name.endswith("_segments.json"):
        return "segment list of a video, not a sequence"
    if name.endswith("_perf_summary.json"):
        return "performance summary, not a sequence"
    if "segmented_videos" in parts[:-1]:
        return "segmenter output beside the clips, not a sequence"
    if name == "codes.jsonl" and "json" in sibling_dirs:
        return "index of the per-clip files in json/ beside it (those are read instead)"
    return None


def _video_of(parts: tuple[str, ...]) -> str | None:
    if "code_indices" in parts:
        position = parts.index("code_indices")
        return parts[position - 1] if position > 0 else None
    return None


def _label_of(parts: tuple[str, ...], label_depth: int | None) -> str | None:
    folders = parts[:-1]
    if label_depth is not None:
        return folders[label_depth] if label_depth < len(folders) else None
    if "json" in folders:  # offline export: json/<label>/<clip>.json
        position = folders.index("json")
        return folders[position + 1] if position + 1 < len(folders) else None
    return None


def _is_declared(name: str, parts: tuple[str, ...]) -> bool:
    folders = parts[:-1]
    return (
        name.endswith(".codes.json")
        or "code_indices" in folders
        or "codes" in folders
        or "json" in folders
    )


def list_sequence_files(root: str, *, label_depth: int | None = None,
                        top_level: list[str] | None = None) -> FolderListing:
    """Walk ``root`` (one variant folder, or one labelled folder) and classify every file.

    ``label_depth``: the folder level below ``root`` whose name is the label (0 = the first
    folder below root); None when the layout declares no labels. ``top_level``: walk only
    these folders directly below ``root`` (its loose files are then left out), so that
    several processes can each list a share of a big tree.
    """
    listing = FolderListing()
    stack = [()] if top_level is None else [(name,) for name in top_level]
    while stack:
        prefix = stack.pop()
        directory = os.path.join(root, *prefix)
        with os.scandir(directory) as entries:
            entries = sorted(entries, key=lambda entry: entry.name)
        sibling_dirs = {entry.name for entry in entries if entry.is_dir()}
        for entry in entries:
            parts = prefix + (entry.name,)
            if entry.is_dir():
                if not entry.name.startswith("."):
                    stack.append(parts)
                continue
            _classify(listing, parts, sibling_dirs, label_depth)
    listing.candidates.sort(key=lambda candidate: candidate.relative_path)
    listing.ignored.sort()
    return listing


def top_level_split(root: str, *, label_depth: int | None = None) -> tuple[list[str], FolderListing]:
    """The folders directly below ``root``, and the classified loose files beside them."""
    with os.scandir(root) as entries:
        entries = sorted(entries, key=lambda entry: entry.name)
    folders = [e.name for e in entries if e.is_dir() and not e.name.startswith(".")]
    loose = FolderListing()
    sibling_dirs = {e.name for e in entries if e.is_dir()}
    for entry in entries:
        if not entry.is_dir():
            _classify(loose, (entry.name,), sibling_dirs, label_depth)
    return folders, loose


def _classify(listing: FolderListing, parts: tuple[str, ...], sibling_dirs: set[str],
              label_depth: int | None) -> None:
    name = parts[-1]
    if not name.endswith(SEQUENCE_SUFFIXES) or name.startswith("."):
        listing.other_files[os.path.splitext(name)[1] or "(none)"] += 1
        return
    relative_path = "/".join(parts)
    why = _ignored_reason(name, parts, sibling_dirs)
    if why:
        listing.ignored.append((relative_path, why))
        return
    listing.candidates.append(
        CandidateFile(
            relative_path=relative_path,
            video=_video_of(parts),
            label=_label_of(parts, label_depth),
            declared=name.endswith(".json") and _is_declared(name, parts),
        )
    )


def list_given_files(root: str, relative_paths: list[str]) -> FolderListing:
    """Classify chosen files below ``root`` by the same rules as a folder walk."""
    listing = FolderListing()
    for relative_path in sorted(set(relative_paths)):
        parts = tuple(part for part in relative_path.replace(os.sep, "/").split("/") if part)
        parent = os.path.join(root, *parts[:-1])
        sibling_dirs = {"json"} if os.path.isdir(os.path.join(parent, "json")) else set()
        _classify(listing, parts, sibling_dirs, None)
    return listing
