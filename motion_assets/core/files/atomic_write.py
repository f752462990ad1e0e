"""Atomic writes: a crash never leaves a half-written table or model behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import IO

from upath import UPath

LOCAL_PROTOCOLS = ("", "file", "local")


def write_atomically(path: UPath | str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(handle)`` and publish the result at ``path`` in one step.

    Local files go to a temporary file in the same folder, then ``os.replace`` (atomic on
    POSIX). Object stores (s3://, gs://) publish an object only when its upload completes,
    so writing straight to the key is already all-or-nothing.
    """
    path = UPath(path)
    if path.protocol not in LOCAL_PROTOCOLS:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write(handle)
        return
    local = path.path
    os.makedirs(os.path.dirname(local) or ".", exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(local) or ".")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, local)
    except BaseException:
        os.unlink(temporary)
        raise


def write_bytes_atomically(path: UPath | str | os.PathLike, data: bytes) -> None:
    write_atomically(path, lambda handle: handle.write(data))
