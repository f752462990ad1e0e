"""``current.json``: which version of a model file is current, readable without Dagster.

One small JSON object per asset and partition, beside the versions it points at::

    {"file": "<sha256>.bin", "sha256": "<sha256>", "run_id": "<dagster run id>",
     "written_at": "2026-12-01T10:00:00.000000+00:00", "bytes": 123456}

It is written atomically and only after the version file it names is complete, so at any
moment it names a whole file: a crash leaves the previous version current. Re-pointing it at
an older version that is still stored is a rollback. A reader checks the file's sha256
against ``sha256`` before unpickling anything (verified_pickle.py).
"""

from __future__ import annotations

import dataclasses
import datetime

import orjson

from motion_assets.core.files.atomic_write import write_bytes_atomically
from motion_assets.core.files.layout import StorageLayout


@dataclasses.dataclass(frozen=True)
class CurrentVersion:
    file: str  # the version's file name inside the partition folder
    sha256: str
    run_id: str | None
    written_at: str  # ISO 8601, UTC
    bytes: int


def read_current(layout: StorageLayout, asset: str, partition: str) -> CurrentVersion | None:
    """The manifest of ``asset`` for ``partition``, or None when none was written yet."""
    path = layout.manifest(asset, partition)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        fields = orjson.loads(data)
        return CurrentVersion(**{field.name: fields[field.name] for field in dataclasses.fields(CurrentVersion)})
    except (orjson.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a version manifest ({error})") from None


def write_current(layout: StorageLayout, asset: str, partition: str, sha256: str, size: int,
                  run_id: str | None) -> CurrentVersion:
    """Point the manifest at the stored version ``sha256`` (call only once that file is complete)."""
    version = CurrentVersion(
        file=layout.model_version(asset, partition, sha256).name, sha256=sha256, run_id=run_id,
        written_at=datetime.datetime.now(datetime.UTC).isoformat(), bytes=size,
    )
    write_bytes_atomically(layout.manifest(asset, partition), orjson.dumps(dataclasses.asdict(version)))
    return version
