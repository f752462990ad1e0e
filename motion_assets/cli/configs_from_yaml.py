"""configs/*.yaml -> Dagster run config for the selected assets."""

from __future__ import annotations

import os

import yaml

# asset (op) name -> (file, section or None for the whole file) pieces merged into its config
CONFIG_SOURCES: dict[str, list[tuple[str, str | None]]] = {
    "code_sequences": [("ingest.yaml", None)],
    "labelled_sequences": [("ingest.yaml", None), ("eval_config.yaml", "label_processing")],
}


def _load(path: str) -> dict:
    with open(path) as handle:
        loaded = yaml.safe_load(handle) or {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} must hold a mapping, not {type(loaded).__name__}")
    return loaded


def run_config_from_folder(folder: str, op_names: set[str], merge_map: dict | None = None) -> dict:
    """Op config for ``op_names`` from the YAML files in ``folder`` (missing files: defaults)."""
    ops: dict[str, dict] = {}
    for op_name, sources in CONFIG_SOURCES.items():
        if op_name not in op_names:
            continue
        config: dict = {}
        for file_name, section in sources:
            path = os.path.join(folder, file_name)
            if not os.path.exists(path):
                continue
            loaded = _load(path)
            if section is None:
                config.update(loaded)
            elif section in loaded:
                config[section] = loaded[section]
        if merge_map and op_name == "labelled_sequences":
            processing = config.setdefault("label_processing", {})
            processing["merge_map"] = {**processing.get("merge_map", {}), **merge_map}
        if config:
            ops[op_name] = {"config": config}
    return {"ops": ops} if ops else {}
