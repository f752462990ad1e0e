"""configs/*.yaml -> Dagster run config for the selected assets (CLI and sensors alike).

Each asset's config is one core section class holding only the sections it reads
(``ASSET_CONFIGS``), and each top-level key of a file belongs to that file alone: a file is
validated by the classes of the assets that read it, so an error names the file and the YAML
path. The old tool's keys that mean nothing here are accepted and listed once in the notes;
unsafe settings are replaced by the safe choice with one line each (core/config.py).
"""

from __future__ import annotations

import dataclasses
import os

import yaml
from dagster import ConfigurableResource

from motion_assets.core.clustering.config import (
    OLD_TOOL_FILE_KEYS,
    BayesGmmFitConfig,
    HdbscanFitConfig,
)
from motion_assets.core.config import ConfigError, ConfigNotes
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.evaluation.config import LeaderboardConfig, ProjectionConfig
from motion_assets.core.scoring.config import ScoringBundleConfig
from motion_assets.core.sequences.config import IngestConfig, LabelledSequencesConfig
from motion_assets.defs.config_mirror import as_run_config

# asset -> (its config class, {file: the file's top-level keys it reads; None = the whole file})
ASSET_CONFIGS: dict[str, tuple[type, dict[str, tuple[str, ...] | None]]] = {
    "code_sequences": (IngestConfig, {"ingest.yaml": None}),
    "labelled_sequences": (LabelledSequencesConfig,
                           {"ingest.yaml": None, "eval_config.yaml": ("label_processing",)}),
    "sequence_encoder": (SequenceEmbedConfig, {"sequence_embed.yaml": None}),
    "hdbscan_clusters": (HdbscanFitConfig, {"hdbscan_config.yaml": None}),
    "bayes_gmm_clusters": (BayesGmmFitConfig, {"bayes_gmm_config.yaml": None}),
    "labelled_evaluation": (LeaderboardConfig, {"eval_config.yaml": ("kmin", "kmax", "clustering")}),
    "umap_projection": (ProjectionConfig, {"eval_config.yaml": ("visualization",)}),
    "scoring_bundle": (ScoringBundleConfig, {"scoring.yaml": None}),
}
# top-level keys of a file that several assets share which no asset reads (the old tool's)
IGNORED_FILE_KEYS = {"eval_config.yaml": OLD_TOOL_FILE_KEYS}


def load_yaml(path: str) -> dict:
    try:
        with open(path) as handle:
            loaded = yaml.safe_load(handle) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}: "
                          f"{getattr(error, 'problem', None) or error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: must hold a mapping, not {type(loaded).__name__}")
    return loaded


def file_readers(file_name: str) -> dict[str, tuple[str, ...] | None]:
    """asset -> the keys of ``file_name`` it reads (None: all of them)."""
    return {asset: files[file_name] for asset, (_, files) in ASSET_CONFIGS.items()
            if file_name in files}


def _check_file_keys(path: str, file_name: str, data: dict, notes: ConfigNotes) -> None:
    readers = file_readers(file_name)
    if any(keys is None for keys in readers.values()):
        return  # a whole-file class checks its own keys
    taken = {key for keys in readers.values() for key in keys}
    ignored = IGNORED_FILE_KEYS.get(file_name, ())
    unknown = sorted(set(data) - taken - set(ignored))
    if unknown:
        raise ConfigError(f"{path}: {', '.join(unknown)}: unknown key; the file takes "
                          f"{sorted(taken)}")
    notes.ignored.extend(f"{file_name}: {key}" for key in ignored if key in data)


def read_config_folder(folder: str, assets: set[str], notes: ConfigNotes | None = None) -> dict:
    """asset -> its core config, from the YAML files of ``folder`` (a missing file: defaults).

    Raises :class:`ConfigError` (one line: the file, the YAML path, what is allowed)."""
    notes = ConfigNotes() if notes is None else notes
    wanted = sorted(assets & set(ASSET_CONFIGS))
    file_names = sorted({name for asset in wanted for name in ASSET_CONFIGS[asset][1]})
    found = ConfigNotes()
    contents = {}
    for file_name in file_names:
        path = os.path.join(folder, file_name)
        contents[file_name] = load_yaml(path) if os.path.exists(path) else {}
        _check_file_keys(path, file_name, contents[file_name], found)
    configs = {}
    for asset in wanted:
        config_type, files = ASSET_CONFIGS[asset]
        merged = {}
        for file_name, keys in files.items():
            data = contents[file_name]
            part = data if keys is None else {key: data[key] for key in keys if key in data}
            file_notes = ConfigNotes()
            try:  # each file alone first, so an error names its file
                config_type.from_dict(part, notes=file_notes)
            except ConfigError as error:
                raise ConfigError(f"{os.path.join(folder, file_name)}: {error}") from None
            found.ignored.extend(f"{file_name}: {key}" for key in file_notes.ignored)
            found.replaced.extend(f"{file_name}: {line}" for line in file_notes.replaced)
            merged.update(part)
        configs[asset] = config_type.from_dict(merged, notes=ConfigNotes())
    notes.ignored.extend(dict.fromkeys(found.ignored))  # once each, however many assets read it
    notes.replaced.extend(dict.fromkeys(found.replaced))
    return configs


def with_merge_map(config: LabelledSequencesConfig, merge_map: dict) -> LabelledSequencesConfig:
    """``config`` with ``merge_map`` added to its label map (the CLI's --merge-map)."""
    processing = config.label_processing
    return dataclasses.replace(config, label_processing=dataclasses.replace(
        processing, merge_map={**processing.merge_map, **merge_map}))


def run_config_from_folder(folder: str, op_names: set[str], merge_map: dict | None = None,
                           notes: ConfigNotes | None = None) -> dict:
    """Op config for ``op_names`` from the YAML files in ``folder`` (missing files: defaults)."""
    configs = read_config_folder(folder, op_names, notes)
    if merge_map and "labelled_sequences" in configs:
        configs["labelled_sequences"] = with_merge_map(configs["labelled_sequences"], merge_map)
    return {"ops": {op: {"config": as_run_config(config)} for op, config in configs.items()}}


class ConfigFiles(ConfigurableResource):
    """The folder of YAML configs that runs started by sensors use, like the CLI's --configs."""

    folder: str = "configs"

    def run_config(self, op_names: set[str]) -> dict:
        return run_config_from_folder(self.folder, op_names)
