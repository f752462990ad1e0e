import numpy as np
import pandas as pd

from motion_assets.core.curation.candidates import carry_accepted, propose_candidates


def _unknowns(rng, n_new=25, n_stray=8):
    """A tight group of a new action plus stray unknowns far from everything."""
    new = np.array([0.0, 0.0, 1.0]) + 0.03 * rng.standard_normal((n_new, 3))
    stray = rng.standard_normal((n_stray, 3))
    features = np.concatenate([new, stray])
    codes = [np.array([7, 8, 9, 7, 8, 9]) for _ in range(n_new)] + \
            [rng.integers(0, 50, 6) for _ in range(n_stray)]
    table = pd.DataFrame({"path": [f"v/code_indices/s{i}.codes.json" for i in range(len(codes))],
                          "content_hash": [f"h{i:03d}" for i in range(len(codes))],
                          "codes": codes, "codes_per_window": 3})
    return table, features, np.r_[np.ones(n_new, bool), np.zeros(n_stray, bool)]


def _training(rng):
    features = np.concatenate([np.array([1.0, 0, 0]) + 0.05 * rng.standard_normal((30, 3)),
                               np.array([0, 1.0, 0]) + 0.05 * rng.standard_normal((30, 3))])
    clusters = np.repeat([0, 1], 30)
    codes = [rng.integers(0, 50, 6) for _ in range(60)]
    return features, clusters, codes


def test_a_new_action_among_the_unknowns_becomes_one_pure_candidate():
    rng = np.random.default_rng(0)
    table, features, is_new = _unknowns(rng)
    candidates = propose_candidates(table, features, *_training(rng))
    assert len(candidates) >= 1
    top = candidates.iloc[0]
    members = table["path"].isin(top["members"]).to_numpy()
    assert (members & is_new).sum() / members.sum() >= 0.8 and top["size"] >= 20
    assert len(top["exemplars"]) == 5 and set(top["exemplars"]) <= set(top["members"])
    assert "7-8-9" in top["signature"] or "8-9-7" in top["signature"]
    assert top["separation"] > 2 and top["status"] == "proposed"


def test_a_candidate_keeps_its_id_as_its_members_grow():
    rng = np.random.default_rng(1)
    table, features, _ = _unknowns(rng)
    training = _training(rng)
    first = propose_candidates(table.iloc[5:], features[5:], *training)
    second = propose_candidates(table, features, *training, previous=first)
    assert second.iloc[0]["candidate"] == first.iloc[0]["candidate"]


def test_an_accepted_candidate_is_carried_when_its_files_stop_being_unknown():
    rng = np.random.default_rng(2)
    table, features, _ = _unknowns(rng)
    first = propose_candidates(table, features, *_training(rng))
    accepted = {first.iloc[0]["candidate"]: "drop"}
    empty = propose_candidates(table.head(0), features[:0], *_training(rng))
    carried = carry_accepted(empty, first, accepted)
    assert carried["candidate"].tolist() == [first.iloc[0]["candidate"]]
    assert carried["status"].tolist() == ["accepted"]


def test_too_few_unknowns_propose_nothing():
    rng = np.random.default_rng(3)
    table, features, _ = _unknowns(rng, n_new=2, n_stray=1)
    assert propose_candidates(table, features, *_training(rng)).empty
