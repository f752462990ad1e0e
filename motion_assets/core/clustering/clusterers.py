"""The three clusterers: HDBSCAN (density, noise), Bayesian GMM (soft), KMeans (baseline).

See clustering.py for the protocol, the two HDBSCAN probabilities and the outlier scores.
"""

from __future__ import annotations

import dataclasses
import warnings

import hdbscan
import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

from motion_assets.core.clustering.assignments import NOISE, Assignments
from motion_assets.core.clustering.config import BayesGmmConfig, HdbscanConfig, KMeansConfig
from motion_assets.core.clustering.dense_features import as_dense_features, l2_normalize
from motion_assets.core.clustering.hdbscan_prediction import prediction_for
from motion_assets.core.features.draws import sample_rows


def _rank_tail(reference_sorted: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of the reference strictly above each value (reference sorted ascending)."""
    if len(reference_sorted) == 0:
        return np.ones(len(values))
    at_or_below = np.searchsorted(reference_sorted, values, side="right")
    return 1.0 - at_or_below / len(reference_sorted)


# ----------------------------------------------------------------------------- HDBSCAN


def _relative_validity(model) -> float:
    """hdbscan's fast DBCV approximation; -inf where it cannot be computed."""
    try:
        with np.errstate(all="ignore"):
            score = float(model.relative_validity_)
    except (AttributeError, ValueError, ZeroDivisionError):
        return -np.inf
    return score if np.isfinite(score) else -np.inf


class HdbscanClusterer:
    """The ``hdbscan`` package with prediction data; optional min_cluster_size grid by DBCV."""

    name = "hdbscan"

    def __init__(self, config: HdbscanConfig | None = None) -> None:
        self.config = config or HdbscanConfig()
        self.probability_threshold = self.config.probability_threshold
        self.normalize_input = self.config.metric == "cosine"
        self.metric = "euclidean" if self.normalize_input else self.config.metric
        if self.normalize_input:
            warnings.warn(
                "clustering.hdbscan.metric=cosine is not supported by the hdbscan package with "
                "prediction data; using euclidean on L2-normalised vectors instead (same "
                "neighbour order as cosine). Set metric: euclidean with l2_normalize: true "
                "to silence this.",
                UserWarning,
                stacklevel=2,
            )

    def _input(self, features) -> np.ndarray:
        dense = as_dense_features(features)
        return l2_normalize(dense) if self.normalize_input else dense

    def _fit_one(self, features: np.ndarray, min_cluster_size: int, with_tree: bool):
        config = self.config
        min_samples = None if config.min_samples is None else min(config.min_samples, len(features) - 1)
        return hdbscan.HDBSCAN(
            min_cluster_size=min_cluster_size,
            min_samples=min_samples,
            metric=self.metric,
            cluster_selection_method=config.cluster_selection_method,
            prediction_data=True,
            gen_min_span_tree=with_tree,
            core_dist_n_jobs=config.core_dist_n_jobs,
        ).fit(features)

    def _min_cluster_size(self, n_samples: int) -> int:
        configured = self.config.min_cluster_size
        return configured or max(5, round(self.config.min_cluster_share * n_samples))

    def fit(self, features) -> HdbscanClusterer:
        everything = self._input(features)
        drawn = sample_rows(len(everything), self.config.fit_sample_size, self.config.random_state)
        data = everything[drawn]
        sizes = self.config.min_cluster_size_grid or (self._min_cluster_size(len(data)),)
        grid = len(sizes) > 1
        rows, best, best_score = [], None, -np.inf
        for size in sizes:
            model = self._fit_one(data, int(size), with_tree=grid)
            n_clusters = int(model.labels_.max()) + 1
            score = _relative_validity(model) if grid and n_clusters >= 2 else -np.inf
            rows.append({"min_cluster_size": int(size), "dbcv_relative": score,
                         "n_clusters": n_clusters, "noise_share": float((model.labels_ < 0).mean())})
            if best is None or score > best_score:
                best, best_score = model, score
        self.grid_ = pd.DataFrame(rows)
        self.model_ = best
        self.min_cluster_size_ = int(best.min_cluster_size)
        self.n_clusters_ = int(best.labels_.max()) + 1
        self.persistence_ = np.asarray(best.cluster_persistence_, dtype=np.float64)
        self.fitted_rows_ = len(drawn)
        self.training_assignments_ = self._training_assignments(everything, drawn)
        self.labels_ = self.training_assignments_.cluster
        return self

    def _training_assignments(self, everything: np.ndarray, drawn: np.ndarray) -> Assignments:
        """The drawn rows as the tree placed them; the others as new points are placed
        (membership vectors left out: an assignment does not need them)."""
        model = self.model_
        cluster = np.full(len(everything), NOISE, dtype=np.int64)
        probability, outlier = np.zeros(len(everything)), np.ones(len(everything))
        cluster[drawn] = model.labels_
        probability[drawn] = model.probabilities_
        outlier[drawn] = np.nan_to_num(np.asarray(model.outlier_scores_, dtype=np.float64))
        rest = np.setdiff1d(np.arange(len(everything)), drawn)
        if len(rest) and self.n_clusters_ > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                labels, strengths, scores, _ = prediction_for(model).predict(
                    everything[rest], membership=False)
            cluster[rest], probability[rest], outlier[rest] = labels, strengths, np.nan_to_num(scores)
        return Assignments(cluster=cluster, probability=probability, outlier_score=outlier,
                           is_noise=cluster == NOISE)

    def decided_config(self) -> HdbscanConfig:
        """The settings a refit on other rows starts from (min_cluster_share scales with them)."""
        return self.config

    def fit_report(self) -> dict:
        """The sizes tried (one row without a grid) and each cluster's persistence."""
        return {"min_cluster_size_grid": self.grid_, "persistence": self.persistence_}

    def predict(self, features) -> np.ndarray:
        return self.assign(features).cluster

    def predict_proba(self, features) -> np.ndarray:
        """Soft membership (membership vectors): (n, n_clusters_), rows sum to <= 1."""
        return self.assign_with_membership(features)[1]

    def assign(self, features) -> Assignments:
        return self.assign_with_membership(features)[0]

    def assign_with_membership(self, features) -> tuple[Assignments, np.ndarray]:
        """``assign`` and ``predict_proba`` from one neighbour query (hdbscan_prediction.py)."""
        data = self._input(features)
        if self.n_clusters_ == 0:
            empty = np.zeros(len(data))
            return (Assignments(np.full(len(data), NOISE), empty, empty + 1.0,
                                np.ones(len(data), dtype=bool)), np.zeros((len(data), 0)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            labels, strengths, scores, soft = prediction_for(self.model_).predict(data)
        assignments = Assignments(labels, strengths, np.nan_to_num(scores), labels == NOISE)
        return assignments, np.nan_to_num(soft)


# ----------------------------------------------------------------------------- Bayesian GMM


def choose_covariance(config: BayesGmmConfig, n_samples: int, dims: int) -> str:
    """``auto``: full while N * dims^2 * components fits the budget and there are at least
    10 points per covariance parameter; diag otherwise."""
    if config.covariance_type != "auto":
        return config.covariance_type
    enough_data = n_samples >= 10 * dims * (dims + 1) / 2
    components = config.n_components or config.max_components_auto
    cost = n_samples * dims**2 * min(components, n_samples)
    return "full" if enough_data and cost <= config.full_covariance_budget else "diag"


class BayesGmmClusterer:
    """Dirichlet-process Gaussian mixture; clusters = components that win training points."""

    name = "bayes_gmm"

    def __init__(self, config: BayesGmmConfig | None = None) -> None:
        self.config = config or BayesGmmConfig()
        self.probability_threshold = self.config.probability_threshold

    def fit(self, features) -> BayesGmmClusterer:
        config = self.config
        data = as_dense_features(features)
        sample = data[sample_rows(len(data), config.fit_sample_size, config.random_state)]
        self.covariance_type_ = choose_covariance(config, *sample.shape)
        self.bic_ = None  # a table when the component count is chosen by BIC
        n_components = config.n_components or self._components_by_bic(sample)
        self.model_ = BayesianGaussianMixture(
            n_components=min(n_components, len(sample)),
            covariance_type=self.covariance_type_,
            weight_concentration_prior_type=config.weight_concentration_prior_type,
            weight_concentration_prior=config.weight_concentration_prior,
            init_params=config.init_params,
            max_iter=config.max_iter,
            n_init=config.n_init,
            tol=config.tol,
            reg_covar=config.reg_covar,
            random_state=config.random_state,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.model_.fit(sample)
        self.converged_ = bool(self.model_.converged_)
        self.warnings_ = [str(w.message) for w in caught]
        weights = self.model_.weights_
        self.effective_components_ = int((weights > config.effective_weight_threshold).sum())
        # Components that win at least one training point become clusters, largest weight first.
        winners = np.unique(self.model_.predict(data))
        self.components_ = winners[np.argsort(-weights[winners], kind="stable")]
        self.n_clusters_ = len(self.components_)
        self.training_log_likelihood_ = np.sort(self.model_.score_samples(data))
        self.training_assignments_ = self.assign(data)
        self.labels_ = self.training_assignments_.cluster
        return self

    def _components_by_bic(self, data: np.ndarray) -> int:
        """The component count with the lowest BIC of a plain Gaussian mixture (``bic_``)."""
        config = self.config
        counts = range(2, min(config.max_components_auto, len(data) - 1) + 1)
        bic = [GaussianMixture(k, covariance_type=self.covariance_type_, reg_covar=config.reg_covar,
                               max_iter=config.max_iter, random_state=config.random_state).fit(data).bic(data)
               for k in counts]
        self.bic_ = pd.DataFrame({"n_components": list(counts), "bic": bic})
        return int(counts[int(np.argmin(bic))])

    def decided_config(self) -> BayesGmmConfig:
        """The settings with the fit's BIC choice fixed: a refit on other rows (stability) then
        tests the partition, not the whole choice again (15 fits; cluster_quality's cost)."""
        if self.config.n_components:
            return self.config
        return dataclasses.replace(self.config, n_components=int(self.model_.n_components))

    def fit_report(self) -> dict:
        """Components fitted and effective, the BIC choice (when made), covariance, convergence."""
        report = {"components": int(self.model_.n_components),
                  "effective_components": self.effective_components_}
        if self.bic_ is not None:
            report["components_by_bic"] = self.bic_.round(1)
        return {**report, "covariance_type": str(self.covariance_type_), "converged": self.converged_}

    def predict_proba(self, features) -> np.ndarray:
        """Posterior over the kept components, renormalised: (n, n_clusters_)."""
        return self.assign_with_membership(features)[1]

    def predict(self, features) -> np.ndarray:
        return self.predict_proba(features).argmax(axis=1).astype(np.int64)

    def assign(self, features) -> Assignments:
        return self.assign_with_membership(features)[0]

    def assign_with_membership(self, features) -> tuple[Assignments, np.ndarray]:
        """``assign`` and ``predict_proba`` from one evaluation of the mixture: sklearn's
        ``_estimate_log_prob_resp`` is what its predict_proba and score_samples each run
        after their input validation (~0.3 ms a call; ``as_dense_features`` checks here)."""
        data = as_dense_features(features)
        log_likelihood, log_resp = self.model_._estimate_log_prob_resp(data)
        posterior = np.exp(log_resp)[:, self.components_]
        total = posterior.sum(axis=1, keepdims=True)
        posterior /= np.where(total > 0, total, 1.0)
        outlier = _rank_tail(self.training_log_likelihood_, log_likelihood)
        return (Assignments(posterior.argmax(axis=1).astype(np.int64), posterior.max(axis=1),
                            outlier, np.zeros(len(data), dtype=bool)), posterior)


# ----------------------------------------------------------------------------- KMeans


class KMeansClusterer:
    """KMeans baseline: hard assignments, probability 1, no noise."""

    name = "kmeans"

    def __init__(self, config: KMeansConfig | None = None) -> None:
        self.config = config or KMeansConfig()
        self.probability_threshold = 0.0

    def fit(self, features) -> KMeansClusterer:
        config = self.config
        data = as_dense_features(features)
        self.model_ = KMeans(n_clusters=min(config.n_clusters, len(data)), n_init=config.n_init,
                             max_iter=config.max_iter, random_state=config.random_state).fit(data)
        self.n_clusters_ = int(self.model_.n_clusters)
        labels = self.model_.labels_.astype(np.int64)
        distances = np.linalg.norm(data - self.model_.cluster_centers_[labels], axis=1)
        self.member_distances_ = [np.sort(distances[labels == k]) for k in range(self.n_clusters_)]
        self.training_assignments_ = self.assign(data)
        self.labels_ = self.training_assignments_.cluster
        return self

    def decided_config(self) -> KMeansConfig:
        return self.config

    def fit_report(self) -> dict:
        return {"clusters": self.n_clusters_}

    def predict(self, features) -> np.ndarray:
        return self.model_.predict(as_dense_features(features)).astype(np.int64)

    def predict_proba(self, features) -> np.ndarray:
        labels = self.predict(features)
        return np.eye(self.n_clusters_)[labels]

    def assign(self, features) -> Assignments:
        data = as_dense_features(features)
        labels = self.predict(data)
        distances = np.linalg.norm(data - self.model_.cluster_centers_[labels], axis=1)
        outlier = np.empty(len(data))
        for k in range(self.n_clusters_):
            mask = labels == k
            outlier[mask] = 1.0 - _rank_tail(self.member_distances_[k], distances[mask] - 1e-12)
        return Assignments(labels, np.ones(len(data)), outlier, np.zeros(len(data), dtype=bool))

    def assign_with_membership(self, features) -> tuple[Assignments, np.ndarray]:
        return self.assign(features), self.predict_proba(features)
