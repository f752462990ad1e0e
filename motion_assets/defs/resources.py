"""Where the tokenizer output is, and where results go; defaults come from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster import ConfigurableResource

from motion_assets.defs.config_files import ConfigFiles
from motion_assets.defs.curation.resources import DEFAULT_TAXONOMY_DIR, TaxonomyFiles
from motion_assets.defs.storage import ModelFiles, ParquetTables, PreviousTables

DEFAULT_INFERENCE_ROOT = "data/demo/inference"
DEFAULT_LABELLED_ROOT = "data/demo/labelled"
DEFAULT_INCOMING_ROOT = "data/demo/incoming"
DEFAULT_STORAGE = "data/storage"


class TokenizerFolders(ConfigurableResource):
    """The folders motion_assets reads; it never writes into them."""

    inference_root: str
    labelled_root: str | None = None
    incoming_root: str | None = None
    rescan_changed_variants: bool = True  # a variant folder that gains files is ingested again

    def variant_folder(self, variant: str) -> str:
        return os.path.join(self.inference_root, variant)


class IncomingWatch(ConfigurableResource):
    """How the scoring sensor batches new files."""

    batch_size: int = 200  # files per scoring run
    settle_seconds: float = 10.0  # a file younger than this may still be being written
    max_batches_in_flight: int = 4  # per variant: requested runs not yet finished
    max_attempts: int = 3  # runs of one batch before its files are reported unscored
    # A tick reads only the folders that changed (core/sequences/incoming_tree.py); a file
    # rewritten in place changes no folder and is seen when a rolling sweep, which reads
    # every folder again within this many seconds, reaches it.
    full_sweep_seconds: float = 3600.0
    # Reading stops after this long (Dagster ends a tick at 60 s); the next tick goes on.
    walk_budget_seconds: float = 40.0


def build_resources(
    *,
    inference_root: str | None = None,
    labelled_root: str | None = None,
    incoming_root: str | None = None,
    storage: str | None = None,
    taxonomy_dir: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> dict:
    """Resources from explicit values, else MOTION_ASSETS_* variables, else the demo folders."""
    storage = storage or environ.get("MOTION_ASSETS_STORAGE", DEFAULT_STORAGE)
    return {
        "folders": TokenizerFolders(
            inference_root=inference_root
            or environ.get("MOTION_ASSETS_INFERENCE_ROOT", DEFAULT_INFERENCE_ROOT),
            labelled_root=labelled_root
            or environ.get("MOTION_ASSETS_LABELLED_ROOT", DEFAULT_LABELLED_ROOT),
            incoming_root=incoming_root
            or environ.get("MOTION_ASSETS_INCOMING_ROOT", DEFAULT_INCOMING_ROOT),
        ),
        "tables": ParquetTables(base_path=storage),
        "model_files": ModelFiles(base_path=storage),
        "previous_tables": PreviousTables(base_path=storage),
        "incoming_watch": IncomingWatch(),
        "config_files": ConfigFiles(folder=environ.get("MOTION_ASSETS_CONFIGS", "configs")),
        "taxonomy_files": TaxonomyFiles(
            folder=taxonomy_dir or environ.get("MOTION_ASSETS_TAXONOMY_DIR", DEFAULT_TAXONOMY_DIR)),
    }
