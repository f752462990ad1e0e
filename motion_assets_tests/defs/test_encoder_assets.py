"""sequence_encoder, sequence_embeddings and baseline_features through materialize."""

import json

import numpy as np
import pandas as pd
from dagster import instance_for_test, materialize

from motion_assets.definitions import ASSETS
from motion_assets.defs.resources import build_resources

VARIANT = "v_cb2048"
TINY_ENCODER = {"model": {"d_model": 16}, "train": {"epochs": 2, "batch_size": 8}}


def write_tree(root, n=40):
    rng = np.random.default_rng(0)
    for i in range(n):
        windows = rng.integers(0, 1920, size=(int(rng.integers(2, 5)), 14)).tolist()
        path = root / VARIANT / f"D01_{i % 4}" / "code_indices" / f"segment_{i:04d}_startwin_{i:06d}.codes.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"codes_windows": windows, "window": {"T": 15, "stride": 4}}))


def test_embeddings_join_one_to_one_with_code_sequences(tmp_path):
    write_tree(tmp_path / "inference")
    resources = build_resources(inference_root=str(tmp_path / "inference"), storage=str(tmp_path / "storage"))
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("dataset_variant", [VARIANT])
        result = materialize(
            ASSETS, instance=instance, partition_key=VARIANT, resources=resources,
            selection=["code_sequences", "rejected_files", "sequence_encoder", "sequence_embeddings",
                       "baseline_features"],
            run_config={"ops": {"sequence_encoder": {"config": TINY_ENCODER}}},
        )
    storage = tmp_path / "storage"
    sequences = pd.read_parquet(storage / "code_sequences" / f"{VARIANT}.parquet")
    embeddings = pd.read_parquet(storage / "sequence_embeddings" / f"{VARIANT}.parquet")
    baselines = pd.read_parquet(storage / "baseline_features" / f"{VARIANT}.parquet")
    assert embeddings["sequence_id"].tolist() == sequences["sequence_id"].tolist()
    assert baselines["sequence_id"].tolist() == sequences["sequence_id"].tolist()
    vectors = np.vstack(embeddings["embedding"])
    assert vectors.shape == (40, 16) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    encoder_meta = next(
        e.event_specific_data.materialization.metadata for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "sequence_encoder"
    )
    assert encoder_meta["epochs_run"].value == 2 and len(encoder_meta["content_hash"].value) == 64
    content_hash = encoder_meta["content_hash"].value
    assert (storage / "sequence_encoder" / VARIANT / f"{content_hash}.bin").stat().st_size > 0
    assert {"bag_of_codes_tfidf_indices", "fsq_digit_stats"} <= set(baselines.columns)
