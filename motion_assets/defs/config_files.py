"""configs/*.yaml -> Dagster run config for the selected assets (CLI and sensors alike).

Each file mirrors a core config dataclass; values are validated by that dataclass (clear
messages for unknown keys) before they become run config.
"""

from __future__ import annotations

import os

import yaml
from dagster import ConfigurableResource

from motion_assets.core.clustering.config import ClusteringPipelineConfig, UmapConfig
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.defs.config_mirror import as_run_config

CLUSTERING_FILES = ("hdbscan_config.yaml", "bayes_gmm_config.yaml", "eval_config.yaml")

# op name -> (files deep-merged in order, section path within them, core dataclass or None)
CONFIG_SOURCES: dict[str, tuple[tuple[str, ...], tuple[str, ...], type | None]] = {
    "code_sequences": (("ingest.yaml",), (), None),
    "labelled_sequences": (("ingest.yaml", "eval_config.yaml"), (), None),
    "sequence_encoder": (("sequence_embed.yaml",), (), SequenceEmbedConfig),
    "hdbscan_clusters": (("hdbscan_config.yaml",), (), ClusteringPipelineConfig),
    "bayes_gmm_clusters": (("bayes_gmm_config.yaml",), (), ClusteringPipelineConfig),
    "labelled_evaluation": (CLUSTERING_FILES, (), ClusteringPipelineConfig),
    "umap_projection": (("eval_config.yaml",), ("visualization", "umap"), UmapConfig),
    "scoring_bundle": (("scoring.yaml",), (), None),
}
# keys of eval_config.yaml that labelled_sequences takes (the rest is for the evaluation)
LABELLED_SEQUENCES_KEYS = ("label_processing", "shared_labelled_root")
INGEST_KEYS = ("default_codebook_size", "variant_codebooks", "max_rejected_share", "workers")


def load_yaml(path: str) -> dict:
    with open(path) as handle:
        loaded = yaml.safe_load(handle) or {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} must hold a mapping, not {type(loaded).__name__}")
    return loaded


def deep_merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _op_config(folder: str, op_name: str) -> dict:
    files, section, dataclass_type = CONFIG_SOURCES[op_name]
    config: dict = {}
    for file_name in files:
        path = os.path.join(folder, file_name)
        if os.path.exists(path):
            config = deep_merge(config, load_yaml(path))
    for key in section:
        config = config.get(key, {})
    if op_name == "labelled_sequences":
        config = {k: v for k, v in config.items() if k in INGEST_KEYS + LABELLED_SEQUENCES_KEYS}
        processing = config.get("label_processing", {})
        config["label_processing"] = {k: v for k, v in processing.items() if k in ("merge_map", "label_depth")}
    if dataclass_type is not None:
        config = as_run_config(dataclass_type.from_dict(config))
    return config


def run_config_from_folder(folder: str, op_names: set[str], merge_map: dict | None = None) -> dict:
    """Op config for ``op_names`` from the YAML files in ``folder`` (missing files: defaults)."""
    ops: dict[str, dict] = {}
    for op_name in sorted(op_names & set(CONFIG_SOURCES)):
        config = _op_config(folder, op_name)
        if merge_map and op_name == "labelled_sequences":
            processing = config.setdefault("label_processing", {})
            processing["merge_map"] = {**processing.get("merge_map", {}), **merge_map}
        if config:
            ops[op_name] = {"config": config}
    return {"ops": ops}


class ConfigFiles(ConfigurableResource):
    """The folder of YAML configs that runs started by sensors use, like the CLI's --configs."""

    folder: str = "configs"

    def run_config(self, op_names: set[str]) -> dict:
        return run_config_from_folder(self.folder, op_names)
