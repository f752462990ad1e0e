"""Atomic writes: a crash never leaves a half-written table or model where a reader looks.

A local file is written to a temporary file beside it, then renamed over the target
(``os.replace``, atomic on POSIX). Temporary files are dotfiles (``.tmp-<name>.<random>``),
which every reader here skips (and pyarrow datasets ignore), and their writer holds an
exclusive ``flock`` on them while writing: so the next write into the folder knows a temporary
whose lock it can take was left by a dead writer and deletes it. Files are created with mode
0666 minus the umask, like any ``open()``.

Object stores (s3://, gs://) publish an object only when its upload completes, so writing
straight to the key is already all-or-nothing.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Callable
from typing import IO

from upath import UPath

LOCAL_PROTOCOLS = ("", "file", "local")
TEMPORARY_PREFIX = ".tmp-"


def write_atomically(path: UPath | str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(handle)`` and publish the result at ``path`` in one step."""
    path = UPath(path)
    if path.protocol not in LOCAL_PROTOCOLS:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write(handle)
        return
    local = path.path
    folder = os.path.dirname(local) or "."
    os.makedirs(folder, exist_ok=True)
    remove_stale_temporaries(folder)
    descriptor, temporary = _locked_temporary(folder, os.path.basename(local))
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
            os.replace(temporary, local)  # still locked: a cleaner never sees it unlocked
        _fsync_folder(folder)
    except BaseException:
        _unlink_quietly(temporary)
        raise


def write_bytes_atomically(path: UPath | str | os.PathLike, data: bytes) -> None:
    write_atomically(path, lambda handle: handle.write(data))


def remove_stale_temporaries(folder: str) -> list[str]:
    """Delete the temporary files in ``folder`` that no live writer holds; returns their names."""
    removed = []
    with os.scandir(folder) as entries:
        names = [entry.name for entry in entries
                 if entry.name.startswith(TEMPORARY_PREFIX) and entry.is_file(follow_symlinks=False)]
    for name in names:
        temporary = os.path.join(folder, name)
        try:
            descriptor = os.open(temporary, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue  # gone already, or not ours to open
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            continue  # a live writer holds it (or locks are not supported here)
        try:
            if _same_file(descriptor, temporary):
                os.unlink(temporary)
                removed.append(name)
        finally:
            os.close(descriptor)
    return removed


def _locked_temporary(folder: str, name: str) -> tuple[int, str]:
    """A new temporary file for ``name``, created and locked by this writer."""
    while True:
        temporary = os.path.join(folder, f"{TEMPORARY_PREFIX}{name}.{secrets.token_hex(6)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:
            return descriptor, temporary  # no locks on this filesystem: nothing cleans it early
        # A cleaner may have taken the file between its creation and the lock: start again.
        if _same_file(descriptor, temporary):
            return descriptor, temporary
        os.close(descriptor)


def _same_file(descriptor: int, path: str) -> bool:
    try:
        return os.path.samestat(os.fstat(descriptor), os.stat(path, follow_symlinks=False))
    except FileNotFoundError:
        return False


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable: an acknowledged write survives a power cut."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
