"""A fitted Gaussian mixture's log-likelihood and posterior in numpy (no sklearn).

Exported (runtime_export.py) from sklearn's ``GaussianMixture`` or
``BayesianGaussianMixture`` in one form for every covariance type: per component its mean,
the Cholesky factor of its precision as a full ``[F, F]`` matrix, that factor's log
determinant and a constant offset (the log weight, and for the Bayesian mixture the terms
its variational posterior adds), so

    log p(x, k) = -0.5 (F log 2 pi + |(x - mean_k) P_k|^2) + log det P_k + offset_k

which is what sklearn's ``_estimate_weighted_log_prob`` computes, within float rounding.
"""

from __future__ import annotations

import math

import numpy as np


class MixtureArrays:
    """``log_prob_resp(X)`` -> (log-likelihood ``[N]``, log posterior ``[N, K]``)."""

    def __init__(self, means, precisions_cholesky, log_det, offsets) -> None:
        self.means = np.asarray(means, dtype=np.float64)  # [K, F]
        self.precisions_cholesky = np.asarray(precisions_cholesky, dtype=np.float64)  # [K, F, F]
        self.log_det = np.asarray(log_det, dtype=np.float64)  # [K]
        self.offsets = np.asarray(offsets, dtype=np.float64)  # [K]
        self.shifted_means = np.einsum("kf,kfg->kg", self.means, self.precisions_cholesky)

    def weighted_log_prob(self, data: np.ndarray) -> np.ndarray:
        projected = np.einsum("nf,kfg->nkg", data, self.precisions_cholesky)
        projected -= self.shifted_means[None]
        squared = np.einsum("nkg,nkg->nk", projected, projected)
        features = self.means.shape[1]
        return -0.5 * (features * math.log(2 * math.pi) + squared) + self.log_det + self.offsets

    def log_prob_resp(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        weighted = self.weighted_log_prob(data)
        top = weighted.max(axis=1, keepdims=True)
        log_likelihood = np.log(np.exp(weighted - top).sum(axis=1)) + top[:, 0]
        return log_likelihood, weighted - log_likelihood[:, None]
