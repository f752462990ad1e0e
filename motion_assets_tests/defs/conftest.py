"""A small generated tree with the model assets materialized once per test module."""

import dataclasses

import pytest
from dagster import instance_for_test, materialize

from motion_assets.core.synthetic import (
    MAIN_VARIANT,
    SyntheticSpec,
    VariantSpec,
    write_tokenizer_output,
)
from motion_assets.definitions import ASSETS
from motion_assets.defs.resources import build_resources

TINY_ENCODER = {"model": {"d_model": 16}, "train": {"epochs": 2, "batch_size": 16}}
MODEL_ASSETS = ["code_sequences", "rejected_files", "labelled_sequences", "sequence_encoder",
                "cluster_taxonomy",
                "sequence_embeddings",
                "hdbscan_clusters", "hdbscan_model", "bayes_gmm_clusters", "bayes_gmm_model",
                "scoring_bundle"]


def small_spec() -> SyntheticSpec:
    main = VariantSpec(MAIN_VARIANT, n_videos=6, segments_per_video=25, labelled=60,
                       incoming_videos=2, incoming_segments_per_video=10)
    return dataclasses.replace(SyntheticSpec.demo(seed=3), variants=(main,), bad_share=0.0)


@dataclasses.dataclass
class Pipeline:
    tree: object
    instance: object
    resources: dict
    storage: object

    def materialize(self, selection, run_config=None, raise_on_error=True, tags=None):
        default_ops = {
            "sequence_encoder": {"config": TINY_ENCODER},
            "labelled_sequences": {"config": {"label_processing": {"merge_map": self.tree.merge_map()}}},
        }
        return materialize(ASSETS, instance=self.instance, partition_key=MAIN_VARIANT,
                           resources=self.resources, selection=selection,
                           run_config=run_config or {"ops": {op: default_ops[op] for op in default_ops
                                                             if op in selection}},
                           raise_on_error=raise_on_error, tags=tags)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    tree = write_tokenizer_output(root / "data", small_spec())
    resources = build_resources(
        inference_root=str(tree.inference_root), labelled_root=str(tree.labelled_root),
        incoming_root=str(tree.incoming_root), storage=str(root / "storage"),
        taxonomy_dir=str(root / "taxonomy"),
    )
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [MAIN_VARIANT])
        built = Pipeline(tree, instance, resources, root / "storage")
        built.materialize(MODEL_ASSETS)
        yield built
