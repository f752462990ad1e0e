"""configs/*.yaml: each file owns its sections, equals its readers' defaults, becomes run config."""

import dataclasses
import pathlib

import pytest

from motion_assets.core.config import ConfigError, ConfigNotes
from motion_assets.defs.config_files import (
    ASSET_CONFIGS,
    file_readers,
    load_yaml,
    read_config_folder,
    run_config_from_folder,
)
from motion_assets.defs.config_mirror import as_run_config, dagster_config_for, to_core

CONFIGS = pathlib.Path(__file__).parents[1] / "configs"
FILES = sorted(path.name for path in CONFIGS.glob("*.yaml"))


@pytest.mark.parametrize("file_name", FILES)
def test_each_file_equals_the_defaults_of_the_sections_it_holds(file_name):
    data = load_yaml(CONFIGS / file_name)
    assert file_readers(file_name), f"{file_name} has no reader"
    for asset, keys in file_readers(file_name).items():
        config_type = ASSET_CONFIGS[asset][0]
        part = data if keys is None else {key: data[key] for key in keys}
        loaded, defaults = config_type.from_dict(part).to_dict(), config_type().to_dict()
        assert {key: loaded[key] for key in part} == {key: defaults[key] for key in part}, asset


def test_every_setting_of_an_asset_comes_from_one_file():
    for asset, (config_type, files) in ASSET_CONFIGS.items():
        keys = [key for file_keys in files.values() for key in (file_keys or ())]
        whole_files = [name for name, file_keys in files.items() if file_keys is None]
        assert len(keys) == len(set(keys)) and len(whole_files) <= 1, asset
        if whole_files:
            whole = {field.name for field in dataclasses.fields(config_type)} - set(keys)
            assert whole == set(load_yaml(CONFIGS / whole_files[0])), asset


def test_every_asset_config_is_built_from_the_files():
    run_config = run_config_from_folder(str(CONFIGS), set(ASSET_CONFIGS))
    assert set(run_config["ops"]) == set(ASSET_CONFIGS)
    assert run_config["ops"]["sequence_encoder"]["config"]["sequence"]["max_len"] == "auto"
    assert set(run_config["ops"]["hdbscan_clusters"]["config"]["clustering"]) == {"hdbscan"}


def test_an_unknown_key_in_a_file_is_refused_with_the_file_and_its_path(tmp_path):
    (tmp_path / "sequence_embed.yaml").write_text("train:\n  batchsize: 3\n")
    with pytest.raises(ConfigError, match=r"sequence_embed\.yaml: train\.batchsize: unknown key"):
        run_config_from_folder(str(tmp_path), {"sequence_encoder"})


def test_an_unknown_top_level_key_of_a_shared_file_is_refused(tmp_path):
    (tmp_path / "eval_config.yaml").write_text("kmni: 2\n")
    with pytest.raises(ConfigError, match=r"eval_config\.yaml: kmni: unknown key"):
        read_config_folder(str(tmp_path), {"labelled_evaluation"})


def test_a_value_of_the_wrong_type_names_its_path_and_what_was_expected(tmp_path):
    (tmp_path / "hdbscan_config.yaml").write_text("clustering:\n  hdbscan:\n    min_samples: many\n")
    with pytest.raises(ConfigError, match=r"clustering\.hdbscan\.min_samples: expected an integer"):
        read_config_folder(str(tmp_path), {"hdbscan_clusters"})


def test_a_value_outside_the_allowed_ones_names_them(tmp_path):
    (tmp_path / "scoring.yaml").write_text("clusterer: dbscan\n")
    with pytest.raises(ConfigError, match=r"clusterer: 'dbscan' is not one of \['auto', 'hdbscan', "
                       r"'bayes_gmm', 'kmeans', 'spectral'\]"):
        read_config_folder(str(tmp_path), {"scoring_bundle"})


def test_a_broken_yaml_file_is_one_line_naming_it(tmp_path):
    (tmp_path / "ingest.yaml").write_text("workers: [1\n")
    with pytest.raises(ConfigError, match=r"ingest\.yaml: not valid YAML") as caught:
        read_config_folder(str(tmp_path), {"code_sequences"})
    assert "\n" not in str(caught.value)


def test_the_merge_map_of_the_command_line_joins_the_files_map(tmp_path):
    (tmp_path / "eval_config.yaml").write_text("label_processing:\n  merge_map: {a: x}\n")
    run_config = run_config_from_folder(str(tmp_path), {"labelled_sequences"}, {"b": "y"})
    labels = run_config["ops"]["labelled_sequences"]["config"]["label_processing"]
    assert labels["merge_map"] == {"a": "x", "b": "y"}


def test_a_key_read_by_two_assets_is_noted_once(tmp_path):
    (tmp_path / "eval_config.yaml").write_text("seed: 3\nout_dir: runs\n")
    notes = ConfigNotes()
    read_config_folder(str(tmp_path), {"labelled_evaluation", "umap_projection"}, notes)
    assert notes.ignored == ["eval_config.yaml: seed", "eval_config.yaml: out_dir"]


@pytest.mark.parametrize("asset", sorted(ASSET_CONFIGS))
def test_the_launchpad_config_of_each_asset_round_trips_to_its_core_section(asset):
    config_type = ASSET_CONFIGS[asset][0]
    core = config_type()
    if asset == "code_sequences":
        core = config_type.from_dict({"variant_codebooks": {"v_cb512": {"codebook_size": 512}}})
    launchpad = dagster_config_for(config_type)(**as_run_config(core))
    assert to_core(launchpad, config_type) == core
