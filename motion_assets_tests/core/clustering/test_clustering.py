"""Clusterers: recovery of known clusters, unknowns, predict = fit, refused settings."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from motion_assets.core.clustering.config import (
    BayesGmmConfig,
    FeaturePreprocessingConfig,
    HdbscanConfig,
    HdbscanFitConfig,
    KMeansConfig,
    PcaConfig,
)
from motion_assets.core.clustering.pipeline import (
    BayesGmmClusterer,
    HdbscanClusterer,
    KMeansClusterer,
    choose_covariance,
    make_clusterer,
)
from motion_assets.core.clustering.preprocess import Preprocessor
from motion_assets.core.clustering.summary import cluster_summary, representative_members
from motion_assets.core.config import ConfigNotes

N_BLOBS = 5


@pytest.fixture(scope="module")
def blobs():
    """1000 points in 5 well separated 24-d blobs plus 60 uniform outliers (label -1)."""
    points, truth = make_blobs(1000, centers=N_BLOBS, n_features=24, cluster_std=1.5,
                               random_state=3)
    rng = np.random.default_rng(3)
    outliers = rng.uniform(points.min(), points.max(), size=(60, 24))
    return np.vstack([points, outliers]), np.concatenate([truth, np.full(60, -1)])


@pytest.fixture(scope="module")
def fitted(blobs):
    features, _ = blobs
    return {
        "hdbscan": make_clusterer("hdbscan").fit(features),
        "bayes_gmm": make_clusterer("bayes_gmm", BayesGmmConfig(n_components=10)).fit(features),
        "kmeans": make_clusterer("kmeans", KMeansConfig(n_clusters=N_BLOBS)).fit(features),
    }


@pytest.mark.parametrize("kind", ["hdbscan", "bayes_gmm", "kmeans"])
def test_each_clusterer_recovers_the_true_clusters(blobs, fitted, kind):
    _, truth = blobs
    inliers = truth >= 0
    labels = fitted[kind].labels_[inliers]
    assert adjusted_rand_score(truth[inliers], labels) >= 0.99
    assert fitted[kind].n_clusters_ >= N_BLOBS


def test_hdbscan_calls_outliers_unknown_and_inliers_known(blobs, fitted):
    _, truth = blobs
    model = fitted["hdbscan"]
    unknown = model.training_assignments_.is_unknown(model.probability_threshold)
    assert unknown[truth < 0].mean() >= 0.9
    assert unknown[truth >= 0].mean() <= 0.02
    outlier = model.training_assignments_.outlier_score
    assert np.median(outlier[truth < 0]) > np.quantile(outlier[truth >= 0], 0.9)


def test_gmm_outlier_score_ranks_outliers_above_inliers(blobs, fitted):
    _, truth = blobs
    outlier = fitted["bayes_gmm"].training_assignments_.outlier_score
    assert np.median(outlier[truth < 0]) > np.quantile(outlier[truth >= 0], 0.9)


@pytest.mark.parametrize("kind", ["bayes_gmm", "kmeans"])
def test_predict_on_training_data_reproduces_fit_labels_exactly(blobs, fitted, kind):
    features, _ = blobs
    model = fitted[kind]
    np.testing.assert_array_equal(model.predict(features), model.labels_)
    again = model.assign(features)
    np.testing.assert_allclose(again.probability, model.training_assignments_.probability,
                               atol=1e-9)


def test_hdbscan_approximate_predict_agrees_with_fit_on_non_noise_points(blobs, fitted):
    features, _ = blobs
    model = fitted["hdbscan"]
    kept = model.labels_ >= 0
    agreement = (model.predict(features)[kept] == model.labels_[kept]).mean()
    assert agreement >= 0.99


def test_hdbscan_soft_membership_is_separate_from_membership_strength(blobs, fitted):
    features, _ = blobs
    model = fitted["hdbscan"]
    soft = model.predict_proba(features[:50])
    assert soft.shape == (50, model.n_clusters_)
    assert np.all(soft.sum(axis=1) <= 1 + 1e-9)
    strength = model.assign(features[:50]).probability
    assert strength.shape == (50,)


def test_gmm_reports_effective_components_below_the_upper_bound(fitted):
    gmm = fitted["bayes_gmm"].clusterer
    assert gmm.effective_components_ <= 10
    assert gmm.n_clusters_ <= 10
    assert np.allclose(fitted["bayes_gmm"].predict_proba(np.zeros((2, 24))).sum(axis=1), 1)


def test_covariance_is_chosen_by_size_and_dimension():
    config = BayesGmmConfig(n_components=20, full_covariance_budget=5e6)
    assert choose_covariance(config, 2_000, 8) == "full"
    assert choose_covariance(config, 5_000, 16) == "diag"
    # the defaults (7 components, budget 5e7) keep full covariance at 16 PCA dims: measured
    # better on the labelled subset (benchmarks/quality_benchmark.py)
    assert choose_covariance(BayesGmmConfig(), 5_000, 16) == "full"
    assert choose_covariance(BayesGmmConfig(), 200_000, 16) == "diag"
    assert choose_covariance(config, 200_000, 64) == "diag"
    assert choose_covariance(config, 50, 32) == "diag"  # too few points per parameter
    assert choose_covariance(BayesGmmConfig(covariance_type="tied"), 10, 64) == "tied"


def test_min_cluster_size_grid_keeps_the_best_dbcv(blobs):
    features, _ = blobs
    model = HdbscanClusterer(HdbscanConfig(min_cluster_size_grid=(5, 30, 400))).fit(features)
    assert list(model.grid_["min_cluster_size"]) == [5, 30, 400]
    best = model.grid_.loc[model.grid_["dbcv_relative"].idxmax(), "min_cluster_size"]
    assert model.min_cluster_size_ == best


def test_nonzero_epsilon_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="approximate_predict ignores epsilon"):
        HdbscanConfig(cluster_selection_epsilon=0.5)


def test_nonzero_epsilon_from_a_file_is_replaced_by_zero_with_one_line_saying_why():
    notes = ConfigNotes()
    config = HdbscanFitConfig.from_dict(
        {"clustering": {"hdbscan": {"cluster_selection_epsilon": 0.1}}}, notes=notes)
    assert config.clusterer.cluster_selection_epsilon == 0.0
    assert len(notes.replaced) == 1
    assert notes.replaced[0].startswith("clustering.hdbscan.cluster_selection_epsilon: 0.1 "
                                        "replaced by 0: hdbscan's approximate_predict ignores")


def test_cosine_metric_is_translated_to_euclidean_on_unit_vectors(blobs):
    features, _ = blobs
    with pytest.warns(UserWarning, match="euclidean on L2-normalised"):
        model = HdbscanClusterer(HdbscanConfig(metric="cosine"))
    model.fit(features[:400])
    assert model.metric == "euclidean"
    kept = model.labels_ >= 0
    assert (model.predict(features[:400])[kept] == model.labels_[kept]).mean() >= 0.99


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="metric"):
        HdbscanConfig(metric="correlation")


def test_from_dict_refuses_unknown_keys_with_their_path():
    with pytest.raises(ValueError, match=r"clustering\.hdbscan\.min_size: unknown key; "
                                         r"clustering\.hdbscan takes \["):
        HdbscanFitConfig.from_dict({"clustering": {"hdbscan": {"min_size": 3}}})


def test_from_dict_builds_nested_sections_and_tuples():
    config = HdbscanFitConfig.from_dict({
        "preprocessing": {"lstm_feature": {"pca": {"max_components": 16}}},
        "clustering": {"hdbscan": {"min_cluster_size_grid": [10, 20]}},
    })
    assert config.preprocessing.lstm_feature.pca.max_components == 16
    assert config.clusterer.min_cluster_size_grid == (10, 20)
    assert HdbscanFitConfig.from_dict(config.to_dict()) == config


def test_the_old_tools_top_level_seed_is_accepted_and_noted_as_ignored():
    notes = ConfigNotes()
    HdbscanFitConfig.from_dict({"seed": 42}, notes=notes)
    assert notes.ignored == ["seed"]


def test_an_unfitted_copy_has_the_settings_and_preprocessing_but_no_fit(blobs):
    features, _ = blobs
    settings = HdbscanConfig(min_cluster_size=20, probability_threshold=0.4)
    preprocessing = FeaturePreprocessingConfig(pca=PcaConfig(max_components=5))
    fitted = make_clusterer("hdbscan", settings, preprocessing).fit(features)
    copy = fitted.unfitted_copy(with_novelty=False)
    assert copy.clusterer.config == settings and copy.preprocessor.config == preprocessing
    assert copy.novelty is None and not hasattr(copy, "labels_")
    np.testing.assert_array_equal(copy.fit(features).labels_, fitted.labels_)


def test_fit_report_tells_what_the_mixture_decided(blobs):
    features, _ = blobs
    report = make_clusterer("bayes_gmm", BayesGmmConfig(n_components=0, max_components_auto=6)
                            ).fit(features).fit_report()
    assert set(report) == {"components", "effective_components", "components_by_bic",
                           "covariance_type", "converged"}
    assert list(report["components_by_bic"]["n_components"]) == [2, 3, 4, 5, 6]


def test_pca_keeps_the_fewest_dims_reaching_the_variance_within_bounds():
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(500, 3)) * [10, 5, 3]
    features = latent @ rng.normal(size=(3, 40)) + rng.normal(scale=0.01, size=(500, 40))
    config = FeaturePreprocessingConfig(pca=PcaConfig(min_components=2, max_components=20,
                                                      explained_variance=0.95),
                                        l2_normalize=True)
    preprocessor = Preprocessor(config)
    out = preprocessor.fit_transform(features)
    assert preprocessor.n_components_ == 3
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0)
    np.testing.assert_allclose(preprocessor.transform(features), out, atol=1e-8)


def test_sparse_features_are_reduced_by_truncated_svd():
    features = sp.random(200, 300, density=0.05, random_state=0, format="csr")
    out = Preprocessor().fit_transform(features)
    assert out.shape[0] == 200 and 4 <= out.shape[1] <= 16


def test_summary_lists_sizes_persistence_and_representatives(blobs, fitted):
    features, _ = blobs
    model = fitted["hdbscan"]
    summary = cluster_summary(model.training_assignments_, features,
                              persistence=model.clusterer.persistence_, n_members=3)
    assert summary["size"].sum() == len(features)
    assert summary.loc[summary["cluster"] == -1, "persistence"].isna().all()
    assert summary.loc[summary["cluster"] >= 0, "persistence"].notna().all()
    for cluster, members in representative_members(model.training_assignments_, features,
                                                    n_members=3).items():
        assert len(members) == 3
        assert set(model.labels_[members]) == {cluster}


def test_kmeans_outlier_score_is_a_share_within_the_cluster(blobs):
    features, _ = blobs
    model = KMeansClusterer(KMeansConfig(n_clusters=N_BLOBS)).fit(features)
    scores = model.training_assignments_.outlier_score
    assert scores.min() >= 0 and scores.max() <= 1


def test_gmm_without_pruning_still_predicts_consistently():
    points, _ = make_blobs(300, centers=3, n_features=4, random_state=0)
    model = BayesGmmClusterer(BayesGmmConfig(n_components=6, covariance_type="diag")).fit(points)
    np.testing.assert_array_equal(model.predict(points), model.labels_)
    assert set(np.unique(model.labels_)) == set(range(model.n_clusters_))


def test_default_min_cluster_size_scales_with_the_data(blobs):
    features, _ = blobs
    small = HdbscanClusterer(HdbscanConfig()).fit(features[:300])
    large = HdbscanClusterer(HdbscanConfig()).fit(features)
    assert small.min_cluster_size_ == max(5, round(0.027 * 300))
    assert large.min_cluster_size_ == max(5, round(0.027 * len(features)))


def test_gmm_fitted_on_a_sample_still_assigns_every_row(blobs):
    features, truth = blobs
    inliers = truth >= 0
    config = BayesGmmConfig(n_components=10, fit_sample_size=200)
    model = BayesGmmClusterer(config).fit(features)
    assert len(model.labels_) == len(features)
    assert len(model.training_log_likelihood_) == len(features)
    assert adjusted_rand_score(truth[inliers], model.labels_[inliers]) >= 0.99
    np.testing.assert_array_equal(model.predict(features), model.labels_)


def test_gmm_sample_is_seeded_and_smaller_than_the_data():
    points, _ = make_blobs(400, centers=3, n_features=4, random_state=1)
    config = BayesGmmConfig(n_components=4, covariance_type="diag", fit_sample_size=100)
    first, second = BayesGmmClusterer(config).fit(points), BayesGmmClusterer(config).fit(points)
    np.testing.assert_array_equal(first.model_.means_, second.model_.means_)
    everything = BayesGmmClusterer(BayesGmmConfig(n_components=4, covariance_type="diag")).fit(points)
    assert not np.allclose(first.model_.means_, everything.model_.means_)


def test_a_gmm_refit_keeps_the_component_count_its_bic_chose(blobs):
    features, _ = blobs
    model = BayesGmmClusterer(BayesGmmConfig(max_components_auto=6)).fit(features)
    assert model.bic_ is not None
    decided = model.decided_config()
    assert decided.n_components == model.model_.n_components
    refit = BayesGmmClusterer(decided).fit(features[::2])
    assert refit.bic_ is None  # no second BIC search


def test_hdbscan_fitted_on_a_draw_assigns_the_other_rows_as_new_points(blobs):
    features, truth = blobs
    model = HdbscanClusterer(HdbscanConfig(fit_sample_size=400)).fit(features)
    assert model.fitted_rows_ == 400 and len(model.model_.labels_) == 400
    assert len(model.labels_) == len(features)
    inliers = truth >= 0
    assert adjusted_rand_score(truth[inliers], model.labels_[inliers]) >= 0.99
    drawn = np.sort(np.random.default_rng(0).choice(len(features), 400, replace=False))
    rest = np.setdiff1d(np.arange(len(features)), drawn)
    online = model.assign(features[rest])
    np.testing.assert_array_equal(model.labels_[rest], online.cluster)
    np.testing.assert_allclose(model.training_assignments_.probability[rest], online.probability)
    np.testing.assert_allclose(model.training_assignments_.outlier_score[rest],
                               online.outlier_score)


def test_hdbscan_min_cluster_share_is_a_share_of_the_draw(blobs):
    features, _ = blobs
    model = HdbscanClusterer(HdbscanConfig(fit_sample_size=400)).fit(features)
    assert model.min_cluster_size_ == round(0.027 * 400)


def test_hdbscan_draw_is_seeded():
    points, _ = make_blobs(600, centers=3, n_features=4, random_state=1)
    config = HdbscanConfig(fit_sample_size=200, random_state=5)
    first, second = HdbscanClusterer(config).fit(points), HdbscanClusterer(config).fit(points)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    np.testing.assert_array_equal(first.training_assignments_.outlier_score,
                                  second.training_assignments_.outlier_score)
