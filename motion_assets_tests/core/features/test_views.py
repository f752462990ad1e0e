"""Featurizers built from others: LSA, multi-view concat, label-guided projection."""

import pickle

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize

from motion_assets.core.features.featurizers import BagOfCodesTfidf, DigitStatistics
from motion_assets.core.features.label_guided import LabelGuided
from motion_assets.core.features.views import Lsa, MultiView
from motion_assets.core.synthetic import synthetic_sequence_table


@pytest.fixture(scope="module")
def table():
    return synthetic_sequence_table(400, seed=2)


def test_lsa_gives_unit_rows_of_the_requested_width(table):
    matrix = Lsa(n_components=8).fit_transform(table)
    assert matrix.shape == (len(table), 8)
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


def test_lsa_projects_as_the_fitted_truncated_svd_and_again_after_a_refit(table):
    lsa = Lsa(n_components=8)
    for fit_rows in (table.iloc[:300], table):  # a refit replaces the kept projection
        lsa.fit(fit_rows)
        expected = normalize(lsa.svd_.transform(lsa.base.transform(table))).astype(np.float32)
        np.testing.assert_array_equal(lsa.transform(table), expected)


def test_a_pickled_lsa_stores_its_components_once_and_projects_the_same(table):
    lsa = Lsa(n_components=8).fit(table)
    expected = lsa.transform(table)
    restored = pickle.loads(pickle.dumps(lsa))
    assert "_projection" not in restored.__dict__
    np.testing.assert_array_equal(restored.transform(table), expected)


def test_multi_view_weighs_each_view_by_its_weight_not_its_scale(table):
    views = [BagOfCodesTfidf(), DigitStatistics()]
    matrix = MultiView(views, weights=[1.0, 0.5]).fit_transform(table)
    width = views[0].transform(table).shape[1]
    np.testing.assert_allclose(np.linalg.norm(matrix[:, :width], axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(matrix[:, width:], axis=1), 0.5, atol=1e-5)


def test_label_guidance_makes_the_labelled_actions_easier_to_cluster(table):
    known = table[~table["is_unknown"]].reset_index(drop=True)
    labelled = known.iloc[::3].assign(label=lambda t: t["action"])
    truth, k = known["action"].to_numpy(), known["action"].nunique()
    plain = DigitStatistics().fit_transform(known)
    guided = LabelGuided(DigitStatistics(), labelled).fit_transform(known)
    assert guided.shape == (len(known), k - 1)

    def ari(matrix):
        return adjusted_rand_score(truth, KMeans(k, n_init=4, random_state=0).fit_predict(matrix))

    assert ari(guided) > ari(plain) + 0.05


def test_label_guidance_refuses_a_single_label(table):
    with pytest.raises(ValueError, match="two labels"):
        LabelGuided(DigitStatistics(), table.assign(label="pick"))
