import numpy as np
import pandas as pd

from motion_assets.core.curation.label_queue import candidate_pool, clips_to_label


def _scores(n=200, seed=0):
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 5, n)
    unknown = rng.random(n) < 0.15
    return pd.DataFrame({
        "sequence_id": [f"s{i}" for i in range(n)], "path": [f"p/{i}.codes.json" for i in range(n)],
        "content_hash": [f"h{i}" for i in range(n)], "cluster": cluster, "action_cluster": cluster,
        "action": [f"a{c}" for c in cluster], "unknown": unknown, "probability": rng.random(n),
        "video_segment_path": None,
    })


def test_the_queue_is_capped_and_every_clip_has_a_reason():
    queue = clips_to_label(_scores(), labelled_hashes=[], cap=30)
    assert len(queue) == 30 and queue["rank"].tolist() == list(range(1, 31))
    assert set(queue["reason"]) == {"representative", "boundary", "unknown"}
    assert queue["detail"].str.len().min() > 10 and queue["path"].is_unique


def test_each_cluster_gets_its_typical_clips_first():
    scores = _scores()
    queue = clips_to_label(scores, labelled_hashes=[], per_cluster=2)
    representatives = queue[queue["reason"] == "representative"]
    assert representatives["rank"].max() == len(representatives) == 10
    best = scores[~scores["unknown"]].sort_values("probability").groupby("cluster").tail(1)
    assert set(best["path"]) <= set(representatives["path"])


def test_clips_already_labelled_are_never_suggested():
    scores = _scores()
    labelled = scores["content_hash"].iloc[::2].tolist()
    queue = clips_to_label(scores, labelled_hashes=labelled, cap=100)
    assert not queue["path"].isin(scores["path"].iloc[::2]).any()


def _sequences(n):
    return pd.DataFrame({"sequence_id": [f"s{i}" for i in range(n)],
                         "content_hash": [f"h{i}" for i in range(n)]})


def test_the_pool_is_a_seeded_draw_of_the_unlabelled_sequences():
    sequences = _sequences(500)
    pool = candidate_pool(sequences, ["h1", "h2"], rows=100)
    assert len(pool) == 100
    assert not pool["content_hash"].isin(["h1", "h2"]).any()
    assert pool["sequence_id"].is_unique
    again = candidate_pool(sequences, ["h1", "h2"], rows=100)
    pd.testing.assert_frame_equal(pool, again)


def test_a_small_variant_keeps_every_unlabelled_sequence_in_the_pool():
    pool = candidate_pool(_sequences(50), ["h0"], rows=100)
    assert pool["sequence_id"].tolist() == [f"s{i}" for i in range(1, 50)]
