"""New files in an incoming folder: which sequence files appeared or changed, and are settled.

A file still being written must not be read half-way, so a file counts only once its
modification time is at least ``settle_seconds`` old.
"""

from __future__ import annotations

import os
import time

from motion_assets.core.sequences.discovery import list_sequence_files

SCORABLE_SUFFIXES = (".codes.json", ".jsonl")


def confined_path(root: str, path: str) -> str:
    """``path`` (relative to ``root``, or absolute) as a path relative to ``root``; a
    ValueError when it points outside (``..``, another absolute path, a symlink out)."""
    target = os.path.abspath(path if os.path.isabs(path) else os.path.join(root, path))
    for base, where in ((os.path.abspath(root), target), (os.path.realpath(root), os.path.realpath(target))):
        if os.path.commonpath([where, base]) != base:
            raise ValueError(f"{path} is not inside the incoming folder {root}")
    return os.path.relpath(target, os.path.abspath(root)).replace(os.sep, "/")


def sequence_files_below(root: str, folder: str) -> list[str]:
    """Candidate sequence files under ``root/folder`` by the discovery rules, as paths
    relative to ``root`` (so that their sequence ids are the same as when named one by one)."""
    listing = list_sequence_files(os.path.join(root, folder))
    prefix = "" if folder in ("", ".") else folder.rstrip("/") + "/"
    return [prefix + candidate.relative_path for candidate in listing.candidates]


def sequence_files_with_mtimes(root: str) -> dict[str, int]:
    """relative path -> modification time (ns) of every scorable file below ``root``."""
    found: dict[str, int] = {}
    for directory, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in names:
            if name.endswith(SCORABLE_SUFFIXES) and not name.startswith("."):
                path = os.path.join(directory, name)
                found[os.path.relpath(path, root).replace(os.sep, "/")] = os.stat(path).st_mtime_ns
    return found


def new_settled_files(root: str, seen: dict[str, int], settle_seconds: float,
                      now: float | None = None) -> tuple[dict[str, int], int]:
    """Files not in ``seen`` with that mtime, and settled; plus how many are still settling."""
    cutoff_ns = int(((now if now is not None else time.time()) - settle_seconds) * 1e9)
    fresh, settling = {}, 0
    for path, mtime in sequence_files_with_mtimes(root).items():
        if seen.get(path) == mtime:
            continue
        if mtime > cutoff_ns:
            settling += 1
        else:
            fresh[path] = mtime
    return fresh, settling
