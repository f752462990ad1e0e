"""The scoring runtime's export file, beside the bundle version it was made from.

``scoring_bundle/<variant>/<bundle sha256>.runtime.npz``: one uncompressed numpy archive of
the arrays (runtime_export.py) plus a ``header`` member, JSON: the format, the sha256 of the
bundle file it was made from and the settings. It holds no pickle (read with
``allow_pickle=False``), is written atomically, and is refused when its recorded bundle hash
is not the hash the caller expects: the CLI then scores with the full path.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
from upath import UPath

from motion_assets.core.files.atomic_write import write_bytes_atomically
from motion_assets.core.files.layout import StorageLayout

EXPORT_FORMAT = "motion_assets.scoring_runtime.v2"  # v2: any featurizer view, spectral
EXPORT_SUFFIX = "runtime.npz"


class ExportRefused(ValueError):
    """The export is unreadable, of another format or made from another bundle file."""


def export_path(layout: StorageLayout, variant: str, bundle_sha256: str) -> UPath:
    version = layout.model_version("scoring_bundle", variant, bundle_sha256)  # checks the hash
    return version.parent / f"{bundle_sha256}.{EXPORT_SUFFIX}"


def export_bytes(arrays: dict[str, np.ndarray], settings: dict, bundle_sha256: str) -> bytes:
    header = {"format": EXPORT_FORMAT, "bundle_sha256": bundle_sha256, "settings": settings}
    encoded = json.dumps(header, sort_keys=True, default=float).encode()
    out = io.BytesIO()
    np.savez(out, header=np.frombuffer(encoded, dtype=np.uint8), **arrays)
    return out.getvalue()


def write_export(layout: StorageLayout, variant: str, bundle_sha256: str, data: bytes) -> UPath:
    """Publish ``data`` atomically beside bundle version ``bundle_sha256``; its path."""
    path = export_path(layout, variant, bundle_sha256)
    write_bytes_atomically(path, data)
    return path


def read_export(path: UPath, bundle_sha256: str) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, settings) of the export at ``path`` made from bundle ``bundle_sha256``.
    FileNotFoundError when there is none; :class:`ExportRefused` when it does not fit."""
    data = path.read_bytes()
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        header = json.loads(arrays.pop("header").tobytes())
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as error:
        # a damaged file fails its zip CRC or structure: refused, never half-read
        raise ExportRefused(f"{path.name} is not a scoring runtime export ({error})") from None
    if header.get("format") != EXPORT_FORMAT:
        raise ExportRefused(f"{path.name} has format {header.get('format')!r}, not {EXPORT_FORMAT}")
    if header.get("bundle_sha256") != bundle_sha256:
        raise ExportRefused(f"{path.name} was made from bundle {str(header.get('bundle_sha256'))[:12]}, "
                            f"not {bundle_sha256[:12]}")
    return arrays, header["settings"]
