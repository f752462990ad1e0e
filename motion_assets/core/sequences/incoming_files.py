"""The sequence files of an incoming folder, each with the time it last changed.

One walk lists every scorable file (``*.codes.json``, ``*.jsonl``; hidden names skipped) with
its *change time*: the latest of its mtime and ctime. ctime moves whenever a file is written,
renamed or replaced and cannot be set back, so a file copied in with an old mtime (``cp -p``,
``rsync -t``) still counts as new. A folder moved in whole keeps its files' times, so a folder
whose own ctime is later than every entry in it (it was moved, or an entry was removed) passes
that time down to everything below it (the root excepted).

Nothing in the tree fails a listing: a dangling symlink, an unreadable folder or a file that
vanished mid-walk is recorded as an oddity (path and why) and left out.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from motion_assets.core.sequences.discovery import list_sequence_files

SCORABLE_SUFFIXES = (".codes.json", ".jsonl")
MAX_ODDITIES_KEPT = 20  # examples kept per listing; the count is always exact
# adding a file sets the folder's and the file's times in one call, yet they may straddle a
# clock tick: only a folder change this much later than all of its entries means "moved in"
FOLDER_CHANGE_SLACK_NS = 1_000_000_000


@dataclass
class IncomingListing:
    """``files``: (change time ns, relative path) of every scorable file, in walk order.
    ``oddities``: the first MAX_ODDITIES_KEPT (path, why); ``oddity_count``: all of them."""

    files: list[tuple[int, str]] = field(default_factory=list)
    oddities: list[tuple[str, str]] = field(default_factory=list)
    oddity_count: int = 0

    def odd(self, path: str, why: str) -> None:
        self.oddity_count += 1
        if len(self.oddities) < MAX_ODDITIES_KEPT:
            self.oddities.append((path, why))


def list_incoming(root: str) -> IncomingListing:
    """Every scorable file below ``root`` with its change time (see the module doc)."""
    listing = IncomingListing()
    # the root itself never counts as moved in: a new root is a new variant, all of it new,
    # and deleting an old folder from it must not make every other file new
    _walk(root, "", 0, 0, listing)
    return listing


def _walk(folder: str, prefix: str, own_ctime: int, inherited_ns: int,
          listing: IncomingListing) -> None:
    entries = read_folder(folder, prefix, listing)
    if entries is None:
        return
    passed_down = passed_down_ns(own_ctime, entries.latest_entry_ns(), inherited_ns)
    listing.files.extend(entries.changed_files(passed_down))
    for name, info in entries.folders:
        _walk(os.path.join(folder, name), prefix + name + "/", info.st_ctime_ns, passed_down, listing)


@dataclass
class FolderEntries:
    """What one folder holds. ``files``: (own change time ns, relative path) of its scorable
    files; ``folders``: (name, lstat) of its visible subfolders; ``others_latest_ns``: the
    latest time of every other entry (files of any kind, hidden folders); ``oddities``: how
    many of its entries were left out as odd."""

    files: list[tuple[int, str]]
    folders: list[tuple[str, os.stat_result]]
    others_latest_ns: int
    oddities: int

    def latest_entry_ns(self, folder_times=None) -> int:
        """The latest time of any entry (``folder_times``: the subfolders' (ctime, mtime)
        pairs when known better than from this read)."""
        times = folder_times if folder_times is not None else (
            (info.st_ctime_ns, info.st_mtime_ns) for _, info in self.folders)
        return max([self.others_latest_ns, *(max(pair) for pair in times)])

    def changed_files(self, passed_down: int) -> list[tuple[int, str]]:
        return [(max(changed, passed_down), path) for changed, path in self.files]


def read_folder(folder: str, prefix: str, listing: IncomingListing) -> FolderEntries | None:
    """The entries of ``folder`` (relative path ``prefix``), its oddities recorded on
    ``listing``; None when the folder cannot be read (recorded as an oddity too)."""
    try:
        with os.scandir(folder) as scan:
            entries = list(scan)
    except OSError as error:
        listing.odd(prefix or ".", _why(error))
        return None
    read = FolderEntries([], [], 0, 0)
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                if entry.is_dir():  # followed only as files, so that a walk never loops
                    listing.odd(prefix + entry.name, "symlink to a folder, not followed")
                    read.oddities += 1
                    continue
                info = entry.stat()  # the target's times and type; dangling: FileNotFoundError
        except OSError as error:
            if _scorable(entry.name):
                listing.odd(prefix + entry.name, _why(error))
                read.oddities += 1
            continue
        if stat.S_ISDIR(info.st_mode) and not entry.name.startswith("."):
            read.folders.append((entry.name, info))
            continue
        read.others_latest_ns = max(read.others_latest_ns, info.st_ctime_ns, info.st_mtime_ns)
        if stat.S_ISREG(info.st_mode) and _scorable(entry.name):
            read.files.append((max(info.st_mtime_ns, info.st_ctime_ns), prefix + entry.name))
    return read


def passed_down_ns(own_ctime: int, latest_entry_ns: int, inherited_ns: int) -> int:
    """The change time a folder passes down to everything below it: its own ctime when it
    changed well after everything in it (moved in whole, or lost an entry), else what it
    inherited."""
    moved = own_ctime > latest_entry_ns + FOLDER_CHANGE_SLACK_NS
    return max(inherited_ns, own_ctime) if moved else inherited_ns


def _scorable(name: str) -> bool:
    return name.endswith(SCORABLE_SUFFIXES) and not name.startswith(".")


def _why(error: OSError) -> str:
    return f"{type(error).__name__}: {error.strerror or error}"


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
