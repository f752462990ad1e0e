"""Where every file lives under the storage root: the one owner of storage paths.

    <root>/<asset>/<partition>.parquet                 a published table
    <root>/<asset>/<partition>.failed-checks.parquet   the last table its blocking checks refused
    <root>/<asset>/<partition>.<extension>             a file beside a table (``results.jsonl``)
    <root>/<asset>/<partition>/<sha256>.bin            one version of a model file, never overwritten
    <root>/<asset>/<partition>/current.json            which version is current (manifest.py)
    <root>/<asset>/<partition>/part-<part id>.parquet  one run's part of an append-only table

The root is a local folder or any fsspec URL (s3://, gs://). Asset, partition and run names
become path components, so a name that could climb out of its folder is refused.
"""

from __future__ import annotations

import dataclasses
import re

from upath import UPath

TABLE_EXTENSION = "parquet"
MODEL_EXTENSION = "bin"
MANIFEST_NAME = "current.json"
PART_PREFIX = "part-"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True)
class StorageLayout:
    root: str

    def table(self, asset: str, partition: str) -> UPath:
        return self.file(asset, partition, TABLE_EXTENSION)

    def failed_checks_table(self, asset: str, partition: str) -> UPath:
        """A table written aside because its blocking checks failed (kept for diagnosis)."""
        return self.file(asset, partition, f"failed-checks.{TABLE_EXTENSION}")

    def file(self, asset: str, partition: str, extension: str) -> UPath:
        return self.asset_folder(asset) / f"{_component(partition)}.{extension}"

    def asset_folder(self, asset: str) -> UPath:
        return UPath(self.root) / _component(asset)

    def partition_folder(self, asset: str, partition: str) -> UPath:
        """Model versions and their manifest, or the parts of an append-only table."""
        return self.asset_folder(asset) / _component(partition)

    def model_version(self, asset: str, partition: str, sha256: str) -> UPath:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.partition_folder(asset, partition) / f"{sha256}.{MODEL_EXTENSION}"

    def manifest(self, asset: str, partition: str) -> UPath:
        return self.partition_folder(asset, partition) / MANIFEST_NAME

    def part(self, asset: str, partition: str, part_id: str) -> UPath:
        """One part of an append-only table (``part_id``: unique per run, e.g. time + random)."""
        return self.partition_folder(asset, partition) / f"{PART_PREFIX}{_component(part_id)}.{TABLE_EXTENSION}"

    def parts(self, asset: str, partition: str) -> list[UPath]:
        """The published parts of an append-only table, by name (temporaries are dotfiles)."""
        folder = self.partition_folder(asset, partition)
        return sorted(folder.glob(f"{PART_PREFIX}*.{TABLE_EXTENSION}")) if folder.exists() else []


def version_of(path: UPath) -> str | None:
    """The sha256 a model version file is named for, or None for any other file."""
    stem, dot, extension = path.name.partition(".")
    return stem if dot and extension == MODEL_EXTENSION and _SHA256.fullmatch(stem) else None


def _component(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"{name!r} cannot name a storage folder or file")
    return name
