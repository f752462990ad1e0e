import numpy as np
import pytest

from motion_assets.core.curation.names import UNNAMED
from motion_assets.core.curation.taxonomy import parse_taxonomy
from motion_assets.core.curation.vocabulary import (
    NOT_AN_ACTION,
    UNKNOWN,
    CuratedVocabulary,
    build_vocabulary,
    extension_id,
    unit_rows,
)


def _blobs(rng, centres, n=30, spread=0.05):
    features = np.concatenate([c + spread * rng.standard_normal((n, len(c))) for c in centres])
    return features, np.repeat(np.arange(len(centres)), n)


def test_merges_names_and_not_an_action_apply_to_cluster_ids():
    taxonomy = parse_taxonomy({"clusters": {1: {"merge_into": 0}, 0: {"name": "pick"},
                                            2: {"not_an_action": True}}})
    vocabulary = build_vocabulary(taxonomy, {3: "carry", 4: UNNAMED})
    out = vocabulary.apply(np.zeros((5, 2)), [0, 1, 2, 3, -1], [0, 1, 2, 3, 3],
                           [False, False, False, False, False])
    assert out["action_cluster"].tolist() == [0, 0, 2, 3, 3]
    assert out["action"].tolist() == ["pick", "pick", NOT_AN_ACTION, "carry", "carry"]


def test_unknown_stays_unknown_and_unnamed_clusters_say_so():
    vocabulary = build_vocabulary(parse_taxonomy({}), {})
    out = vocabulary.apply(np.zeros((2, 2)), [0, 1], [0, 1], [True, False])
    assert out["action"].tolist() == [UNKNOWN, UNNAMED]


def test_a_split_sends_each_member_to_its_nearest_part():
    rng = np.random.default_rng(0)
    features, truth = _blobs(rng, [np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])])
    clusters = np.zeros(len(features), dtype=int)  # the model found one cluster
    taxonomy = parse_taxonomy({"clusters": {0: {"split": 2, "names": ["a", "b"]}}})
    vocabulary = build_vocabulary(taxonomy, {}, training_features=features,
                                  training_clusters=clusters)
    out = vocabulary.apply(features, clusters, clusters, np.zeros(len(features), bool))
    parts = out["action_cluster"]
    assert set(parts) == {1000, 1001}
    assert all(len(set(parts[truth == t])) == 1 for t in (0, 1))  # parts follow the truth


def test_an_accepted_candidate_claims_nearby_unknowns_only():
    rng = np.random.default_rng(1)
    members, _ = _blobs(rng, [np.array([0.0, 0.0, 1.0])])
    taxonomy = parse_taxonomy({"accept": {"cand-abc": "drop"}})
    vocabulary = build_vocabulary(taxonomy, {}, candidate_features={"cand-abc": members})
    new, _ = _blobs(rng, [np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])], n=20)
    unknown = np.ones(len(new), bool)
    unknown[-5:] = False  # known sequences are never re-assigned
    out = vocabulary.apply(new, np.full(len(new), -1), np.zeros(len(new), int), unknown)
    claimed = out["action_cluster"] == extension_id("cand-abc")
    assert claimed[:20].mean() >= 0.8 and not claimed[20:].any()
    assert (out["action"][claimed] == "drop").all() and not out["unknown"][claimed].any()
    assert out["unknown"][20:35].all()


def test_a_flagged_sequence_within_the_radius_is_claimed_even_nearer_a_known_centroid():
    rng = np.random.default_rng(3)
    known_centre, new_centre = np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.25, 0.0])
    features, clusters = _blobs(rng, [known_centre])
    members, _ = _blobs(rng, [new_centre], spread=0.1)
    vocabulary = build_vocabulary(parse_taxonomy({"accept": {"cand-near": "drop"}}), {},
                                  training_features=features, training_clusters=clusters,
                                  candidate_features={"cand-near": members})
    between = unit_rows(np.array([[1.0, 0.1, 0.0]]))  # nearer the known cluster's centroid
    extension = vocabulary.extensions[0]
    assert (np.linalg.norm(between - vocabulary.cluster_centroids[0])
            < np.linalg.norm(between - extension.centroid) <= extension.radius)
    flagged = vocabulary.apply(between, [0], [0], [True])
    unflagged = vocabulary.apply(between, [0], [0], [False])
    assert flagged["action_cluster"].tolist() == [extension_id("cand-near")]
    assert unflagged["action_cluster"].tolist() == [0]


def test_the_vocabulary_round_trips_through_json():
    rng = np.random.default_rng(2)
    features, clusters = _blobs(rng, [np.ones(3), -np.ones(3)])
    taxonomy = parse_taxonomy({"clusters": {0: {"split": 2}, 1: {"name": "b"}},
                               "accept": {"cand-x": "new"}})
    vocabulary = build_vocabulary(taxonomy, {}, training_features=features,
                                  training_clusters=clusters,
                                  candidate_features={"cand-x": features[:5]})
    again = CuratedVocabulary.from_json(vocabulary.to_json())
    args = (features, clusters, clusters, np.ones(len(features), bool))
    for key, value in vocabulary.apply(*args).items():
        assert (again.apply(*args)[key] == value).all()


def test_an_accepted_candidate_without_members_is_refused():
    with pytest.raises(ValueError, match="no members"):
        build_vocabulary(parse_taxonomy({"accept": {"cand-x": "new"}}), {})
