"""Cheap fingerprints of tokenizer output folders, for sensors that must not re-read files.

A file added or removed changes the modification time of the folder that holds it, so the
modification times of the folders alone tell whether a variant changed: a scan touches
thousands of folders instead of hundreds of thousands of files.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass

from motion_assets.core.sequences.discovery import display_path
from motion_assets.core.sequences.variants import variant_name_problem


def is_visible_folder(entry: os.DirEntry) -> bool:
    """A folder (or a link to one) not hidden; False for a link loop, which is_dir() raises."""
    try:
        return entry.is_dir() and not entry.name.startswith(".")
    except OSError:
        return False


def folder_fingerprint(root: str) -> str:
    """Hash of every folder's relative path and modification time below ``root``.

    Links to folders are followed except back to a folder above them (a loop); a subfolder
    that cannot be listed counts by its error, so the scan never stops at one bad entry.
    Raises OSError only when ``root`` itself cannot be listed.
    """
    digest = hashlib.blake2b(digest_size=12)
    stack: list[tuple[str, tuple]] = [(root, ())]
    while stack:
        directory, ancestors = stack.pop()
        relative = os.fsencode(os.path.relpath(directory, root))
        try:
            stat = os.stat(directory)
            identity = (stat.st_dev, stat.st_ino)
            if identity in ancestors:
                digest.update(relative + b"|link loop\n")
                continue
            with os.scandir(directory) as entries:
                subfolders = sorted((e.path for e in entries if is_visible_folder(e)), reverse=True)
        except OSError as error:
            if not ancestors:
                raise
            digest.update(relative + f"|{errno.errorcode.get(error.errno, error.errno)}\n".encode())
            continue
        digest.update(relative + f"|{stat.st_mtime_ns}\n".encode())
        stack.extend((path, ancestors + (identity,)) for path in subfolders)
    return digest.hexdigest()


@dataclass(frozen=True)
class VariantScan:
    fingerprints: dict[str, str]  # valid variant name -> folder fingerprint
    refused: dict[str, str]  # folder name (printable) -> why it is not a variant, or not now


def scan_variant_folders(inference_root: str) -> VariantScan:
    """Every folder directly under ``inference_root``: valid variants and refused names."""
    fingerprints: dict[str, str] = {}
    refused: dict[str, str] = {}
    with os.scandir(inference_root) as entries:
        folders = sorted(e.name for e in entries if is_visible_folder(e))
    for name in folders:
        problem = variant_name_problem(name)
        if problem:
            refused[display_path(name)] = problem
            continue
        try:
            fingerprints[name] = folder_fingerprint(os.path.join(inference_root, name))
        except OSError as error:  # this variant waits; the others go on
            refused[name] = f"folder cannot be listed: {error.strerror or error}"
    return VariantScan(fingerprints=fingerprints, refused=refused)
