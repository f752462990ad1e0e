"""Cheap fingerprints of tokenizer output folders, for sensors that must not re-read files.

A file added or removed changes the modification time of the folder that holds it, so the
modification times of the folders alone tell whether a variant changed: a scan touches
thousands of folders instead of hundreds of thousands of files.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from motion_assets.core.sequences.variants import variant_name_problem


def folder_fingerprint(root: str) -> str:
    """Hash of every folder's relative path and modification time below ``root``."""
    digest = hashlib.blake2b(digest_size=12)
    stack = [root]
    while stack:
        directory = stack.pop()
        stat = os.stat(directory)
        digest.update(f"{os.path.relpath(directory, root)}|{stat.st_mtime_ns}\n".encode())
        with os.scandir(directory) as entries:
            stack.extend(
                sorted((e.path for e in entries if e.is_dir() and not e.name.startswith(".")),
                       reverse=True)
            )
    return digest.hexdigest()


@dataclass(frozen=True)
class VariantScan:
    fingerprints: dict[str, str]  # valid variant name -> folder fingerprint
    refused: dict[str, str]  # folder name -> why it cannot be a variant


def scan_variant_folders(inference_root: str) -> VariantScan:
    """Every folder directly under ``inference_root``: valid variants and refused names."""
    fingerprints: dict[str, str] = {}
    refused: dict[str, str] = {}
    with os.scandir(inference_root) as entries:
        folders = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
    for name in folders:
        problem = variant_name_problem(name)
        if problem:
            refused[name] = problem
        else:
            fingerprints[name] = folder_fingerprint(os.path.join(inference_root, name))
    return VariantScan(fingerprints=fingerprints, refused=refused)
