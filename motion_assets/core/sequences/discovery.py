"""Find the sequence files in a tokenizer output folder, and say why the rest is ignored.

Only code files are samples. Segment lists, perf summaries, energy logs and the global
``stream_codes.jsonl`` live in the same tree and are listed as ignored, never read as
sequences. Layouts (INPUT_FORMAT.md):

    <video>/code_indices/segment_NNNN_startwin_WWWWWW.codes.json     streaming sidecars
    json/<label>/<clip>.json  (+ codes.jsonl beside json/)            older offline exports
    <label>/codes/<segment>.codes.json, <label>/**/*.json             labelled subsets
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from dataclasses import dataclass, field

from motion_assets.core.sequences.rejections import RejectionKind as Kind

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
    known_regular: bool = False  # the walk saw a regular file; otherwise stat before opening


@dataclass
class FolderListing:
    candidates: list[CandidateFile] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (relative_path, why)
    other_files: Counter = field(default_factory=Counter)  # non-JSON files by extension
    # refused before reading: (relative_path, kind, detail), e.g. a FIFO, a loop, a bad name
    rejected: list[tuple[str, Kind, str]] = field(default_factory=list)


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
    """Walk ``root`` (one variant folder, or one labelled folder) and classify every entry.

    ``label_depth``: the folder level below ``root`` whose name is the label (0 = the first
    folder below root); None when the layout declares no labels. ``top_level``: walk only
    these folders directly below ``root`` (its loose files are then left out), so that
    several processes can each list a share of a big tree.

    Links to folders are followed, except back to a folder above them (a loop); nothing
    that is not a regular file is ever opened (see :func:`_entry_type`).
    """
    listing = FolderListing()
    if top_level is None:
        stack = [((), ())]
    else:
        root_identity = (_identity(os.stat(root)),)
        stack = [((name,), root_identity) for name in reversed(top_level)]
    while stack:
        prefix, ancestors = stack.pop()
        stack.extend(reversed(_list_folder(root, prefix, ancestors, listing, label_depth)))
    listing.candidates.sort(key=lambda candidate: candidate.relative_path)
    listing.ignored.sort()
    listing.rejected.sort()
    return listing


def top_level_split(root: str, *, label_depth: int | None = None) -> tuple[list[str], FolderListing]:
    """The folders directly below ``root``, and the classified loose entries beside them."""
    loose = FolderListing()
    folders = _list_folder(root, (), (), loose, label_depth)
    return [prefix[0] for prefix, _ in folders], loose


_DIRECTORY, _FILE = "directory", "file"


def _list_folder(root: str, prefix: tuple[str, ...], ancestors: tuple, listing: FolderListing,
                 label_depth: int | None) -> list[tuple[tuple[str, ...], tuple]]:
    """Classify the entries of one folder into ``listing``; return its subfolders to walk
    (with their ancestors' identities). A folder that cannot be listed is a rejection."""
    relative = "/".join(prefix) or "."
    try:
        identity = _identity(os.stat(os.path.join(root, *prefix)))
        if identity in ancestors:
            listing.rejected.append((relative, Kind.SYMLINK_LOOP,
                                     "link to a folder above it: not followed"))
            return []
        with os.scandir(os.path.join(root, *prefix)) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        listing.rejected.append((relative, *_os_error_rejection(error, "folder cannot be listed")))
        return []
    typed = []
    for entry in entries:
        parts = prefix + (entry.name,)
        if not is_utf8(entry.name):
            listing.rejected.append((display_path(parts), Kind.UNDECODABLE_NAME,
                                     "the name is not UTF-8: rename it to have it read"))
        else:
            typed.append((entry, parts, _entry_type(entry)))
    sibling_dirs = {entry.name for entry, _, kind in typed if kind == _DIRECTORY}
    subfolders = []
    for entry, parts, kind in typed:
        if kind == _DIRECTORY:
            if not entry.name.startswith("."):
                subfolders.append((parts, ancestors + (identity,)))
        elif kind == _FILE or entry.name.startswith("."):  # hidden: counted, never read
            _classify(listing, parts, sibling_dirs, label_depth, known_regular=kind == _FILE)
        elif entry.name.endswith(SEQUENCE_SUFFIXES):
            listing.rejected.append(("/".join(parts), *kind))
        else:
            listing.ignored.append(("/".join(parts), kind[1]))
    return subfolders


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino


def _entry_type(entry: os.DirEntry) -> str | tuple[Kind, str]:
    """_DIRECTORY, _FILE (regular, possibly through a link), or why it is neither. The file
    type comes from the directory entry and stat, never from opening it: opening a FIFO for
    reading blocks (or disturbs its writer), and a device may have effects."""
    try:
        if entry.is_dir():
            return _DIRECTORY
        if entry.is_file():
            return _FILE
        mode = entry.stat().st_mode  # follows a link; raises for loops and dangling links
    except OSError as error:
        return _os_error_rejection(error, "cannot be examined")
    through = "a link to " if entry.is_symlink() else ""
    return Kind.NOT_A_REGULAR_FILE, f"{through}a {_file_type(mode)}, not a regular file: never opened"


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def _os_error_rejection(error: OSError, what: str) -> tuple[Kind, str]:
    if error.errno == errno.ELOOP:
        return Kind.SYMLINK_LOOP, f"{what}: symbolic link loop"
    if error.errno == errno.ENOENT:
        return Kind.DANGLING_LINK, f"{what}: link target (or the entry itself) no longer exists"
    return Kind.UNREADABLE, f"{what}: {error.strerror or error}"


def os_error_rejection(error: OSError) -> tuple[Kind, str]:
    """The rejection of a file that could not be opened or read."""
    return _os_error_rejection(error, "unreadable file")


def is_utf8(name: str) -> bool:
    """Whether a name from the filesystem decodes as UTF-8 (os gives other bytes back as
    surrogates, which no table, log or JSON can hold)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display_path(parts: tuple[str, ...] | str) -> str:
    """A path safe to show and store: bytes that are not UTF-8 written as \\xNN escapes."""
    path = parts if isinstance(parts, str) else "/".join(parts)
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _classify(listing: FolderListing, parts: tuple[str, ...], sibling_dirs: set[str],
              label_depth: int | None, known_regular: bool = False) -> None:
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
            known_regular=known_regular,
        )
    )


def list_given_files(root: str, relative_paths: list[str]) -> FolderListing:
    """Classify chosen files below ``root`` by the same rules as a folder walk."""
    listing = FolderListing()
    for relative_path in sorted(set(relative_paths)):
        if not is_utf8(relative_path):
            listing.rejected.append((display_path(relative_path), Kind.UNDECODABLE_NAME,
                                     "the name is not UTF-8: rename it to have it read"))
            continue
        parts = tuple(part for part in relative_path.replace(os.sep, "/").split("/") if part)
        parent = os.path.join(root, *parts[:-1])
        sibling_dirs = {"json"} if os.path.isdir(os.path.join(parent, "json")) else set()
        _classify(listing, parts, sibling_dirs, None)
    return listing
