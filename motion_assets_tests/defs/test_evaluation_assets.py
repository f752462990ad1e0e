"""labelled_evaluation: deployed models and every featurizer x clusterer, recomputable per sequence."""

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from motion_assets.core.synthetic import MAIN_VARIANT


def test_leaderboard_can_be_recomputed_from_the_per_sequence_table(pipeline):
    merge = pipeline.tree.merge_map()
    pipeline.materialize(
        ["labelled_sequences", "labelled_evaluation", "labelled_leaderboard"],
        {"ops": {"labelled_sequences": {"config": {"label_processing": {"merge_map": merge}}}}},
    )
    per_sequence = pd.read_parquet(pipeline.storage / "labelled_evaluation" / f"{MAIN_VARIANT}.parquet")
    leaderboard = pd.read_parquet(pipeline.storage / "labelled_leaderboard" / f"{MAIN_VARIANT}.parquet")
    labelled = pd.read_parquet(pipeline.storage / "labelled_sequences" / f"{MAIN_VARIANT}.parquet")
    k = labelled["label"].nunique()
    assert set(labelled["label"]).isdisjoint(raw for raw, merged in merge.items() if raw != merged)
    assert {"deployed/hdbscan", "deployed/bayes_gmm", f"bag_of_codes_tfidf/kmeans_k{k}",
            f"encoder_ntp/bayes_gmm_k{k}"} <= set(leaderboard["method"])
    assert set(per_sequence["method"]) == set(leaderboard["method"])
    for method, rows in per_sequence.groupby("method"):
        assert sorted(rows["sequence_id"]) == sorted(labelled["sequence_id"])
        expected = leaderboard.set_index("method").loc[method, "ari"]
        assert abs(adjusted_rand_score(rows["label"], rows["cluster"]) - expected) < 1e-9
