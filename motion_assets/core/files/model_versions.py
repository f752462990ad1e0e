"""Content-addressed model files: each version is stored under its sha256, never overwritten.

Publishing a version is two atomic steps: the file ``<sha256>.bin``, then the manifest that
names it (manifest.py). A crash between or during them leaves the previous version current
and loadable; a rollback re-points the manifest at an older stored version.

Retention: after each publish, a partition keeps its ``keep_last`` most recently written
versions, the current one, and every version named in ``referenced`` (for example the bundle
hashes that stored scores carry); older versions are deleted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from motion_assets.core.files.atomic_write import LOCAL_PROTOCOLS, write_bytes_atomically
from motion_assets.core.files.layout import StorageLayout, version_of
from motion_assets.core.files.manifest import CurrentVersion, read_current, write_current
from motion_assets.core.files.verified_pickle import sha256_hex

MIN_KEEP_LAST = 2  # the version the instance recorded last survives a crash before it records anew


def publish_version(layout: StorageLayout, asset: str, partition: str, data: bytes,
                    run_id: str | None) -> CurrentVersion:
    """Store ``data`` as a version (once per content) and make it current."""
    sha256 = sha256_hex(data)
    path = layout.model_version(asset, partition, sha256)
    if path.exists() and sha256_hex(path.read_bytes()) == sha256:
        if path.protocol in LOCAL_PROTOCOLS:
            os.utime(path.path)  # written again now: the newest for retention
    else:
        write_bytes_atomically(path, data)
    return write_current(layout, asset, partition, sha256, len(data), run_id)


def read_version(layout: StorageLayout, asset: str, partition: str, sha256: str) -> bytes:
    """The bytes of stored version ``sha256`` (the caller verifies them before unpickling)."""
    path = layout.model_version(asset, partition, sha256)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{asset} ({partition}) has no stored version {sha256[:12]} at {path}: it was removed "
            f"by retention or never written here; materialize {asset} again"
        ) from None


def read_current_version(layout: StorageLayout, asset: str, partition: str) -> tuple[bytes, CurrentVersion]:
    """The current version's bytes and manifest; FileNotFoundError when none was published."""
    current = read_current(layout, asset, partition)
    if current is None:
        raise FileNotFoundError(f"no {asset} for {partition}: {layout.manifest(asset, partition)} "
                                f"does not exist; materialize {asset} first")
    return read_version(layout, asset, partition, current.sha256), current


def roll_back(layout: StorageLayout, asset: str, partition: str, sha256: str,
              run_id: str | None = None) -> CurrentVersion:
    """Make the stored version ``sha256`` current again, after checking its content."""
    data = read_version(layout, asset, partition, sha256)
    if sha256_hex(data) != sha256:
        raise ValueError(f"{layout.model_version(asset, partition, sha256)} does not hash to its name")
    return write_current(layout, asset, partition, sha256, len(data), run_id)


def stored_versions(layout: StorageLayout, asset: str, partition: str) -> list[str]:
    """Stored versions of a partition, most recently written first."""
    folder = layout.partition_folder(asset, partition)
    if not folder.exists():
        return []
    files = [(path.stat().st_mtime, version_of(path), path) for path in folder.iterdir()]
    return [version for _, version, _ in sorted(
        (entry for entry in files if entry[1]), key=lambda entry: entry[0], reverse=True)]


def prune_versions(layout: StorageLayout, asset: str, partition: str, keep_last: int,
                   referenced: Iterable[str] = ()) -> list[str]:
    """Delete the versions retention does not keep, and the files made from each beside it
    (``<sha256>.*``, e.g. the scoring runtime's export); returns the deleted versions."""
    if keep_last < MIN_KEEP_LAST:
        raise ValueError(f"keep_last must be at least {MIN_KEEP_LAST}, got {keep_last}")
    versions = stored_versions(layout, asset, partition)
    current = read_current(layout, asset, partition)
    keep = set(versions[:keep_last]) | set(referenced) | ({current.sha256} if current else set())
    deleted = [version for version in versions if version not in keep]
    for version in deleted:
        path = layout.model_version(asset, partition, version)
        path.unlink(missing_ok=True)
        for companion in path.parent.glob(f"{version}.*"):
            companion.unlink(missing_ok=True)
    return deleted
