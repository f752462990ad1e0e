"""Listing an incoming folder at the cost of what changed: a remembered tree of its folders.

:func:`list_incoming` reads and stats every file, which at a million files takes a minute. A
file is created, renamed in, replaced or deleted only by changing its folder (the folder's
mtime and ctime move), so :func:`list_changed` remembers, per folder, its own stat and what it
held, and on the next call stats the known folders only, reading again just those that
changed, that are new, that still hold a file not yet at ``since_ns`` (the caller's frontier:
files at or before it are done) or that held an odd entry. The files it returns include every
file a full listing would give with a change time at or after ``since_ns``, with the same
change times (``list_incoming``'s rules: moved-in folders pass their time down).

The trade-off: a file rewritten *in place* (opened and written again, appended to) changes no
folder, so it is seen only when its folder is read again anyway. A *rolling sweep* rereads
the folders read longest ago, in slices sized so that every folder is read again at least
once every ``sweep_seconds`` (an hour by default) while ticks keep coming: an in-place
rewrite is scored within that bound, any other change at the next call. Writers that write a
temporary file and rename it in (the safe way) are seen at once.

A folder whose times are not much older than ``since_ns`` is read again even if its stat is
unchanged: a file created in it right after it was read, within the same tick of the file
clock, leaves its times as they were.

Rereading stops at ``deadline`` (seconds on the monotonic clock): the listing is then
*incomplete* and must not be planned on (a file not listed could be passed over), but the
folders read so far are remembered, so the next call goes on from there.
"""

from __future__ import annotations

import heapq
import math
import os
import stat
import time
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

from motion_assets.core.files.atomic_write import write_atomically
from motion_assets.core.sequences.incoming_files import (
    FOLDER_CHANGE_SLACK_NS,
    IncomingListing,
    passed_down_ns,
    read_folder,
)

TREE_FORMAT = "1"
MAX_SWEEP_STEP_SECONDS = 300  # after a long pause, sweep this much of the interval per call, not all of it
NO_FILE = -1


@dataclass
class FolderRecord:
    """One folder as last read: its own ``ino``/``mtime_ns``/``ctime_ns``, the latest time of
    its entries other than visible subfolders, the latest change time of its scorable files
    (NO_FILE: none), the change time it passed down, how many odd entries it held, when it
    was read (time ns) and the names of its visible subfolders."""

    ino: int
    mtime_ns: int
    ctime_ns: int
    others_latest_ns: int
    newest_file_ns: int
    passed_down_ns: int
    oddities: int
    read_at_ns: int
    children: list[str] = field(default_factory=list)

    def same_folder(self, info: os.stat_result) -> bool:
        return (self.ino, self.mtime_ns, self.ctime_ns) == (info.st_ino, info.st_mtime_ns, info.st_ctime_ns)


@dataclass
class IncomingTree:
    """The remembered folders of one incoming folder ``root``: relative folder path (ending
    in ``/``; ``""`` is the root) -> record, and when it was last listed (time ns)."""

    root: str
    folders: dict[str, FolderRecord] = field(default_factory=dict)
    listed_at_ns: int = 0


@dataclass
class ChangedListing(IncomingListing):
    """An :class:`IncomingListing` of the files that may have changed, with what it cost:
    ``folders_checked`` (stat only) and ``folders_read`` (read again: scandir and a stat per
    entry); ``complete`` is False when the deadline stopped it."""

    complete: bool = True
    folders_checked: int = 0
    folders_read: int = 0


def list_changed(tree: IncomingTree, since_ns: int, *, sweep_seconds: float,
                 deadline: float = math.inf, now_ns: int | None = None) -> ChangedListing:
    """The files of ``tree.root`` that may have changed at or after ``since_ns`` (see the
    module doc); ``tree`` is updated in place to what was read."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    walk = _Walk(tree, since_ns - FOLDER_CHANGE_SLACK_NS, _sweep_slice(tree, sweep_seconds, now_ns),
                 deadline, now_ns)
    try:
        root_info = os.stat(tree.root)
    except OSError as error:
        walk.listing.odd(".", f"{type(error).__name__}: {error.strerror or error}")
        root_info = None
    if root_info is not None and not stat.S_ISDIR(root_info.st_mode):
        walk.listing.odd(".", "not a folder")
        root_info = None
    if root_info is not None:
        # the root never counts as moved in (see list_incoming): its own ctime passes nothing
        walk.visit("", root_info, 0, own_ctime=0)
    tree.folders = walk.kept
    tree.listed_at_ns = now_ns
    return walk.listing


def _sweep_slice(tree: IncomingTree, sweep_seconds: float, now_ns: int) -> set[str]:
    """The folders read longest ago, as many as the time since the last listing is a share
    of ``sweep_seconds``: every folder is read again at least once per sweep interval."""
    if not tree.folders or not tree.listed_at_ns:
        return set()
    elapsed = min(max(now_ns - tree.listed_at_ns, 0) / 1e9, MAX_SWEEP_STEP_SECONDS)
    count = math.ceil(len(tree.folders) * elapsed / max(sweep_seconds, 1e-9))
    if count <= 0:
        return set()
    oldest = heapq.nsmallest(count, tree.folders.items(), key=lambda item: item[1].read_at_ns)
    return {path for path, _ in oldest}


class _Walk:
    def __init__(self, tree: IncomingTree, recent_ns: int, sweep: set[str], deadline: float, now_ns: int):
        self.root, self.known, self.recent_ns = tree.root, tree.folders, recent_ns
        self.sweep, self.deadline, self.now_ns = sweep, deadline, now_ns
        self.kept: dict[str, FolderRecord] = {}
        self.listing = ChangedListing()

    def visit(self, path: str, info: os.stat_result, inherited_ns: int, own_ctime: int) -> None:
        self.listing.folders_checked += 1
        record = self.known.get(path)
        if record is not None and path not in self.sweep and record.oddities == 0 and record.same_folder(info):
            children = self._child_stats(path, record.children)
            if children is not None:
                latest = max([record.others_latest_ns,
                              *(max(child.st_ctime_ns, child.st_mtime_ns) for _, child in children)])
                passed = passed_down_ns(own_ctime, latest, inherited_ns)
                quiet = max(record.newest_file_ns, info.st_mtime_ns, info.st_ctime_ns) < self.recent_ns
                if passed == record.passed_down_ns and quiet:
                    self.kept[path] = record
                    for name, child in children:
                        self.visit(path + name + "/", child, passed, child.st_ctime_ns)
                    return
        if time.monotonic() > self.deadline:
            self.listing.complete = False
            self._keep_as_known(path)
            return
        self._read(path, info, inherited_ns, own_ctime)

    def _read(self, path: str, info: os.stat_result, inherited_ns: int, own_ctime: int) -> None:
        self.listing.folders_read += 1
        entries = read_folder(os.path.join(self.root, path), path, self.listing)
        if entries is None:  # remembered as odd: read (and reported) again next time
            self.kept[path] = _unread_record(oddities=1)
            return
        passed = passed_down_ns(own_ctime, entries.latest_entry_ns(), inherited_ns)
        files = entries.changed_files(passed)
        self.listing.files.extend(files)
        self.kept[path] = FolderRecord(
            info.st_ino, info.st_mtime_ns, info.st_ctime_ns, entries.others_latest_ns,
            max((changed for changed, _ in files), default=NO_FILE), passed, entries.oddities,
            self.now_ns, sorted(name for name, _ in entries.folders))
        for name, child in entries.folders:
            self.visit(path + name + "/", child, passed, child.st_ctime_ns)

    def _child_stats(self, path: str, names: list[str]) -> list[tuple[str, os.stat_result]] | None:
        """The subfolders' stats; None when one is gone or is no longer a folder."""
        children = []
        for name in names:
            try:
                child = os.stat(os.path.join(self.root, path, name), follow_symlinks=False)
            except OSError:
                return None
            if not stat.S_ISDIR(child.st_mode):
                return None
            children.append((name, child))
        return children

    def _keep_as_known(self, path: str) -> None:
        """Past the deadline: keep what was known of ``path`` and below, to be read later."""
        record = self.known.get(path)
        if record is None:  # a new folder: remembered, so that its parent's record names it
            self.kept[path] = _unread_record()
            return
        self.kept[path] = FolderRecord(**{**vars(record), "ino": 0, "read_at_ns": 0})  # read first next time
        for name in record.children:
            self._keep_as_known(path + name + "/")


def _unread_record(oddities: int = 0) -> FolderRecord:
    """A folder to read next time (no stat matches inode 0)."""
    return FolderRecord(0, 0, 0, 0, NO_FILE, 0, oddities, 0)


TREE_SCHEMA = pa.schema([
    ("folder", pa.string()),
    ("ino", pa.uint64()),
    ("mtime_ns", pa.int64()),
    ("ctime_ns", pa.int64()),
    ("others_latest_ns", pa.int64()),
    ("newest_file_ns", pa.int64()),
    ("passed_down_ns", pa.int64()),
    ("oddities", pa.int32()),
    ("read_at_ns", pa.int64()),
])
_RECORD_FIELDS = TREE_SCHEMA.names[1:]


def save_tree(path: UPath | str, tree: IncomingTree) -> None:
    """Write ``tree`` to ``path`` atomically (Parquet, a few bytes per folder)."""
    folders = sorted(tree.folders)
    columns = {"folder": folders}
    for name in _RECORD_FIELDS:
        columns[name] = [getattr(tree.folders[folder], name) for folder in folders]
    table = pa.Table.from_pydict(columns, schema=TREE_SCHEMA).replace_schema_metadata({
        "format": TREE_FORMAT, "root": tree.root, "listed_at_ns": str(tree.listed_at_ns)})
    write_atomically(path, lambda handle: pq.write_table(table, handle, compression="zstd"))


def load_tree(path: UPath | str, root: str) -> IncomingTree:
    """The tree saved at ``path`` for ``root``; an empty tree (everything is read again)
    when there is none, it is unreadable, or it was saved for another root or format."""
    path = UPath(path)
    try:
        with path.open("rb") as handle:
            table = pq.read_table(handle)
    except (OSError, pa.ArrowException):
        return IncomingTree(root)
    meta = {key.decode(): value.decode() for key, value in (table.schema.metadata or {}).items()}
    if meta.get("format") != TREE_FORMAT or meta.get("root") != root or table.schema.remove_metadata() != TREE_SCHEMA:
        return IncomingTree(root)
    columns = table.to_pydict()
    folders = {folder: FolderRecord(*values) for folder, *values
               in zip(columns["folder"], *(columns[name] for name in _RECORD_FIELDS))}
    for folder in folders:
        if folder:
            parent_end = folder.rstrip("/").rfind("/") + 1
            parent = folders.get(folder[:parent_end])
            if parent is not None:
                parent.children.append(folder[parent_end:-1])
    for record in folders.values():
        record.children.sort()
    return IncomingTree(root, folders, int(meta.get("listed_at_ns", 0)))
