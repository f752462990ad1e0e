"""The old tool's four YAML files run the whole variant graph as they are: unused keys listed
once, unsafe settings replaced with one line each; a refused config is one line and exit 2."""

import json
import pathlib

import pytest
from dagster import AssetKey, DagsterInstance

from motion_assets.cli import main
from motion_assets.core.synthetic import write_tokenizer_output
from motion_assets_tests.defs.conftest import small_spec

SEED_CONFIGS = pathlib.Path(__file__).with_name("seed_configs")
IGNORED = ["eval_config.yaml: seed", "eval_config.yaml: out_dir",
           "eval_config.yaml: visualization.figsize", "eval_config.yaml: visualization.dpi",
           "eval_config.yaml: visualization.point_size", "eval_config.yaml: visualization.alpha",
           "eval_config.yaml: visualization.cmap", "sequence_embed.yaml: out_dir",
           "sequence_embed.yaml: train.num_workers", "sequence_embed.yaml: train.pin_memory",
           "sequence_embed.yaml: train.balance_sampler", "hdbscan_config.yaml: seed",
           "hdbscan_config.yaml: out_dir", "bayes_gmm_config.yaml: seed",
           "bayes_gmm_config.yaml: out_dir"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return write_tokenizer_output(tmp_path_factory.mktemp("seed") / "data", small_spec())


def run(tree, tmp_path, configs, monkeypatch) -> int:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    merge_map = tmp_path / "merge_map.json"
    merge_map.write_text(json.dumps(tree.merge_map()))
    return main(["run", "--inference-root", str(tree.inference_root),
                 "--labelled-root", str(tree.labelled_root), "--storage", str(tmp_path / "storage"),
                 "--configs", str(configs), "--merge-map", str(merge_map)])


def test_the_seed_files_run_the_graph_listing_ignored_keys_once_and_warning_per_change(
        tree, tmp_path, monkeypatch, capsys):
    assert run(tree, tmp_path, SEED_CONFIGS, monkeypatch) == 0
    lines = capsys.readouterr().err.splitlines()
    ignored = [line for line in lines if line.startswith("configs: ignored")]
    assert len(ignored) == 1
    assert sorted(ignored[0].split(": ", 2)[2].split(", ")) == sorted(IGNORED)
    warnings = [line for line in lines if line.startswith("configs: warning:")]
    assert len(warnings) == 2
    assert any("sequence_embed.yaml: model.bidirectional: true replaced by false" in w
               for w in warnings)
    assert any("hdbscan_config.yaml: clustering.hdbscan.cluster_selection_epsilon: 0.1 "
               "replaced by 0" in w for w in warnings)
    instance = DagsterInstance.get()
    encoder = instance.get_latest_materialization_event(AssetKey("sequence_encoder"))
    metadata = encoder.asset_materialization.metadata
    assert metadata["rnn"].value == "lstm x1" and metadata["objective"].value == "ntp"
    assert instance.get_latest_materialization_event(AssetKey("scoring_bundle")) is not None


def test_a_refused_setting_is_one_line_and_exit_2(tree, tmp_path, monkeypatch, capsys):
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "sequence_embed.yaml").write_text("model:\n  rnn_type: transformer\n")
    assert run(tree, tmp_path, configs, monkeypatch) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"error: {configs / 'sequence_embed.yaml'}: model.rnn_type: "
                       "'transformer' is not one of ['lstm', 'gru']")
    assert not any("Traceback" in line for line in err)
