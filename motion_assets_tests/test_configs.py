"""configs/*.yaml equal the code's defaults, and become valid run config."""

import pathlib

import pytest

from motion_assets.core.clustering.config import ClusteringPipelineConfig
from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.defs.config_files import (
    CONFIG_SOURCES,
    deep_merge,
    load_yaml,
    run_config_from_folder,
)
from motion_assets.defs.sequences.config import IngestConfig

CONFIGS = pathlib.Path(__file__).parents[1] / "configs"


def test_sequence_embed_yaml_equals_the_encoder_defaults():
    assert SequenceEmbedConfig.from_dict(load_yaml(CONFIGS / "sequence_embed.yaml")) == SequenceEmbedConfig()


def test_clustering_yamls_together_equal_the_clustering_defaults():
    merged = {}
    for name in ("hdbscan_config.yaml", "bayes_gmm_config.yaml", "eval_config.yaml"):
        merged = deep_merge(merged, load_yaml(CONFIGS / name))
    assert ClusteringPipelineConfig.from_dict(merged).to_dict() == ClusteringPipelineConfig().to_dict()


def test_ingest_yaml_equals_the_ingest_defaults():
    assert IngestConfig(**load_yaml(CONFIGS / "ingest.yaml")) == IngestConfig()


def test_every_asset_config_is_built_from_the_files():
    run_config = run_config_from_folder(str(CONFIGS), set(CONFIG_SOURCES))
    assert set(run_config["ops"]) == set(CONFIG_SOURCES)
    assert run_config["ops"]["sequence_encoder"]["config"]["sequence"]["max_len"] == "auto"


def test_an_unknown_key_in_a_file_is_refused_with_its_path(tmp_path):
    (tmp_path / "sequence_embed.yaml").write_text("train:\n  batchsize: 3\n")
    with pytest.raises(ValueError, match="train.batchsize"):
        run_config_from_folder(str(tmp_path), {"sequence_encoder"})


def test_scoring_yaml_equals_the_bundle_defaults():
    from motion_assets.defs.scoring.config import ScoringBundleConfig

    assert ScoringBundleConfig(**load_yaml(CONFIGS / "scoring.yaml")) == ScoringBundleConfig()
