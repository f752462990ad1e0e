import numpy as np

from motion_assets.core.curation.names import UNNAMED, name_clusters, wilson_lower_bound


def test_a_cluster_is_named_after_its_confident_majority_label():
    clusters = [0] * 9 + [1] * 10
    labels = ["pick"] * 8 + ["place"] + ["carry"] * 10
    names = name_clusters(clusters, labels).set_index("cluster")
    assert names.loc[0, "action"] == "pick"
    assert names.loc[0, "support"] == 8 and names.loc[0, "labelled_members"] == 9
    assert np.isclose(names.loc[0, "purity"], 8 / 9)
    assert names.loc[0, "runner_up"] == "place"
    assert names.loc[1, "action"] == "carry"


def test_thin_or_mixed_evidence_leaves_a_cluster_unnamed():
    clusters = [0, 0] + [1] * 10
    labels = ["pick", "pick"] + ["a", "b"] * 5
    names = name_clusters(clusters, labels, known_clusters=[0, 1, 2]).set_index("cluster")
    assert names.loc[0, "action"] == UNNAMED  # two members are too few
    assert names.loc[1, "action"] == UNNAMED  # 50 % purity is no majority at 95 %
    assert names.loc[2, "action"] == UNNAMED and names.loc[2, "labelled_members"] == 0


def test_noise_and_unlabelled_members_are_not_evidence():
    names = name_clusters([-1, -1, -1, 0, 0, 0, 0], ["x", "x", "x", None, "y", "y", "y"])
    assert names["cluster"].tolist() == [0]
    assert names.loc[0, "labelled_members"] == 3


def test_wilson_lower_bound_grows_with_evidence():
    assert wilson_lower_bound(0, 0) == 0.0
    assert wilson_lower_bound(3, 3) < wilson_lower_bound(30, 30) < 1.0
