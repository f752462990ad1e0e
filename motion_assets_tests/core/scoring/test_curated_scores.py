"""A bundle carrying a curated taxonomy: scores name actions, merges and accepted new
actions change exactly the rows they should, and the bundle file keeps the vocabulary."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from motion_assets.core.clustering.pipeline import make_clusterer
from motion_assets.core.curation.taxonomy import parse_taxonomy
from motion_assets.core.curation.vocabulary import build_vocabulary, extension_id
from motion_assets.core.features.featurizers import BagOfCodesTfidf
from motion_assets.core.files.verified_pickle import sha256_hex
from motion_assets.core.scoring.bundle import (
    bundle_from_bytes,
    bundle_to_bytes,
    make_scoring_bundle,
)
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.table import unique_sequences
from motion_assets.core.synthetic.table import synthetic_sequence_table


@pytest.fixture(scope="module")
def setup():
    torch.set_num_threads(1)
    table = unique_sequences(synthetic_sequence_table(700, seed=3)).reset_index(drop=True)
    training = table[~table["is_unknown"]].reset_index(drop=True)
    unseen = table[table["is_unknown"]].reset_index(drop=True)
    featurizer = BagOfCodesTfidf().fit(training)
    features = featurizer.transform(training)
    pipeline = make_clusterer("bayes_gmm").fit(features)
    bundle = make_scoring_bundle(featurizer, pipeline, variant="v_cb2048", codebook_size=2048,
                                 codebook_levels=table_levels(training), codes_per_window=14,
                                 training_rows=len(training))
    return bundle, training, unseen, features


def _with(bundle, taxonomy, **build):
    return dataclasses.replace(bundle, vocabulary=build_vocabulary(parse_taxonomy(taxonomy), {}, **build))


def test_a_curated_merge_reports_the_target_cluster_and_its_name(setup):
    bundle, training, _, _ = setup
    plain = score_sequences(bundle, training)
    first, second = plain["cluster"].value_counts().index[:2].tolist()
    curated = score_sequences(_with(bundle, {"clusters": {second: {"merge_into": first},
                                                          first: {"name": "pick"}}}), training)
    merged = plain["cluster"].isin([first, second]).to_numpy()
    assert (curated["action_cluster"][merged] == first).all()
    assert (curated.loc[merged & ~curated["unknown"], "action"] == "pick").all()
    untouched = ~merged
    assert (curated["action_cluster"][untouched] == plain["action_cluster"][untouched]).all()
    assert (curated["cluster"] == plain["cluster"]).all()  # the model's own ids stay


def test_an_accepted_new_action_takes_its_unknowns_and_leaves_known_scores(setup):
    bundle, training, unseen, features = setup
    half = len(unseen) // 2
    accepted = bundle.featurizer.transform(unseen.iloc[:half])
    curated = _with(bundle, {"accept": {"cand-new": "drop"}}, training_features=features,
                    training_clusters=bundle.pipeline.labels_,
                    candidate_features={"cand-new": accepted})
    after = score_sequences(curated, unseen.iloc[half:])
    claimed = after["action_cluster"] == extension_id("cand-new")
    assert claimed.mean() >= 0.6  # new clips of the accepted action are scored into it
    assert (after.loc[claimed, "action"] == "drop").all() and not after["unknown"][claimed].any()
    known = score_sequences(curated, training)
    assert (known["action_cluster"] == extension_id("cand-new")).mean() < 0.05


def test_the_vocabulary_travels_inside_the_bundle_file(setup):
    bundle, training, _, features = setup
    curated = _with(bundle, {"clusters": {0: {"split": 2, "names": ["a", "b"]}}},
                    training_features=features, training_clusters=bundle.pipeline.labels_)
    data = bundle_to_bytes(curated)
    loaded = bundle_from_bytes(data, sha256_hex(data))
    assert loaded.vocabulary is not None and 0 in loaded.vocabulary.splits
    here = score_sequences(curated, training.head(50))
    there = score_sequences(loaded, training.head(50))
    assert np.array_equal(here["action_cluster"], there["action_cluster"])
    assert (here["action"] == there["action"]).all()


def test_curating_names_clusters_from_the_labelled_subset_and_refuses_unknown_ids(setup):
    from motion_assets.core.curation.taxonomy import TaxonomyError
    from motion_assets.core.scoring.curation import curated_bundle

    bundle, training, _, _ = setup
    labelled = training.assign(label=training["action"]).sample(200, random_state=0)
    curated, names = curated_bundle(bundle, parse_taxonomy({}), labelled=labelled,
                                    training=training)
    named = names[names["action"] != "unnamed"]
    assert len(named) >= 3 and (named["purity"] >= 0.5).all()
    scores = score_sequences(curated, training)
    for cluster, action in zip(named["cluster"], named["action"]):
        assert (scores.loc[(scores["action_cluster"] == cluster) & ~scores["unknown"], "action"]
                == action).all()
    with pytest.raises(TaxonomyError, match="no cluster 999"):
        curated_bundle(bundle, parse_taxonomy({"clusters": {999: "x"}}, "v.yaml"),
                       labelled=labelled, training=training)
