"""Thresholds calibrated on the training sequences, measured through the online path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from motion_assets.core.scoring.bundle import ScoringBundle
from motion_assets.core.scoring.score import score_sequences
from motion_assets.core.scoring.thresholds import NOISE_IS_UNKNOWN, Thresholds
from motion_assets.core.scoring.unknown import unknown_flags

NOVELTY_WEIGHT = 1.0  # calibration: share of the unknown budget given to novelty (measured:
# the probability ranks the unseen action no better than chance, novelty at AUROC ~0.75)


def calibrate_threshold(training_probabilities, target_unknown_share: float) -> float:
    """The probability threshold below which ``target_unknown_share`` of training lies.

    Input: probabilities ``[N]`` of known (training) sequences, noise included as 0.
    Returns the smallest observed value with at most that share strictly below it; with
    ties (HDBSCAN noise at 0) the share below may be smaller than asked, never larger.
    """
    values = np.sort(np.asarray(training_probabilities, dtype=np.float64).ravel())
    if not len(values):
        raise ValueError("calibrate_threshold needs at least one training probability")
    if not 0.0 <= target_unknown_share < 1.0:
        raise ValueError(f"target_unknown_share must lie in [0, 1), got {target_unknown_share}")
    return float(values[int(np.floor(target_unknown_share * len(values)))])


def calibrate_thresholds(probability, is_noise, novelty, target_unknown_share: float, *,
                         novelty_weight: float = NOVELTY_WEIGHT,
                         noise_is_unknown: bool = NOISE_IS_UNKNOWN) -> tuple[float, float | None, float]:
    """Probability and novelty thresholds that flag ``target_unknown_share`` of the training
    sequences under :func:`unknown_flags`: ``(probability, novelty, achieved share)``.

    The share is split between the two rules (``novelty_weight`` to novelty, the rest to the
    probability) and scaled up by bisection until the union reaches the target. Noise that
    counts is flagged regardless: where it alone exceeds the target, the achieved share is
    the noise share (nothing else is flagged).
    """
    probability = np.asarray(probability, dtype=np.float64)
    is_noise = np.asarray(is_noise, dtype=bool)
    has_novelty = novelty is not None and not np.isnan(np.asarray(novelty, np.float64)).all()
    weight = float(np.clip(novelty_weight, 0.0, 1.0)) if has_novelty else 0.0
    candidates = probability[~is_noise] if (~is_noise).any() else np.zeros(1)
    negated = -np.asarray(novelty, dtype=np.float64) if has_novelty else None

    def thresholds_for(share_p: float, share_n: float) -> tuple[float, float | None]:
        share_p, share_n = min(share_p, 0.999), min(share_n, 0.999)
        p = calibrate_threshold(candidates, share_p) if share_p > 0 else 0.0
        n = -calibrate_threshold(negated, share_n) if has_novelty and share_n > 0 else 1.0
        return p, (n if has_novelty else None)

    def achieved(p: float, n: float | None) -> float:
        rule = Thresholds(p, novelty=n, noise_is_unknown=noise_is_unknown)
        return float(unknown_flags(probability, is_noise, novelty if has_novelty else None,
                                   rule).mean())

    def largest(shares) -> float:
        """Bisection: the largest t in [0, 1] whose thresholds stay within the target."""
        low, high = 0.0, 1.0
        for _ in range(30):
            middle = 0.5 * (low + high)
            if achieved(*thresholds_for(*shares(middle))) <= target_unknown_share:
                low = middle
            else:
                high = middle
        return low

    scale = largest(lambda t: (t * (1 - weight), t * weight))
    # then top up one rule alone (the discrete steps of the union can stop short)
    if weight < 1.0:
        share_n = scale * weight
        share_p = largest(lambda t: (scale * (1 - weight) + t, share_n)) + scale * (1 - weight)
    else:
        share_p = 0.0
        share_n = largest(lambda t: (0.0, scale + t)) + scale
    p, n = thresholds_for(share_p, share_n)
    return p, n, achieved(p, n)


def calibrated_bundle(bundle: ScoringBundle, training_table: pd.DataFrame,
                      target_unknown_share: float, *, novelty_weight: float = NOVELTY_WEIGHT,
                      noise_is_unknown: bool | None = None,
                      training_scores: pd.DataFrame | None = None) -> ScoringBundle:
    """A copy of ``bundle`` whose thresholds flag ``target_unknown_share`` of the training
    table as unknown, measured through :func:`score_sequences` (the online path).

    ``noise_is_unknown``: None = :data:`NOISE_IS_UNKNOWN` (see there); the share is split
    between novelty and probability by ``novelty_weight`` (:func:`calibrate_thresholds`).
    ``training_scores``: the table already scored with this bundle (thresholds do not change
    clusters, probabilities or novelty), so the caller's own scoring pass is not repeated.
    """
    if not 0.0 <= target_unknown_share < 1.0:
        raise ValueError(f"target_unknown_share must lie in [0, 1), got {target_unknown_share}")
    noise_counts = NOISE_IS_UNKNOWN if noise_is_unknown is None else bool(noise_is_unknown)
    scores = training_scores if training_scores is not None else score_sequences(bundle, training_table)
    if bundle.unknown_detector is not None:
        return _with_thresholds(bundle, _detector_thresholds(bundle, scores, target_unknown_share,
                                                             noise_counts))
    novelty = scores["novelty"].to_numpy()
    probability, novelty_threshold, achieved = calibrate_thresholds(
        scores["probability"].to_numpy(), scores["is_noise"].to_numpy(),
        None if np.isnan(novelty).all() else novelty, target_unknown_share,
        novelty_weight=novelty_weight, noise_is_unknown=noise_counts)
    thresholds = Thresholds(probability, "training_quantile", bundle.thresholds.configured,
                            float(target_unknown_share), achieved,
                            novelty=1.0 if novelty_threshold is None else novelty_threshold,
                            noise_is_unknown=noise_counts)
    return _with_thresholds(bundle, thresholds)


def _detector_thresholds(bundle: ScoringBundle, scores: pd.DataFrame, target: float,
                         noise_is_unknown: bool) -> Thresholds:
    """With an unknown detector the whole budget goes to its score (the probability ranked
    the unseen action no better than chance); counted noise comes on top."""
    values = scores["unknown_score"].to_numpy(dtype=np.float64)
    limit = float(np.quantile(values, 1.0 - target)) if target > 0 else 1.0
    rule = Thresholds(0.0, novelty=1.0, noise_is_unknown=noise_is_unknown, unknown_score=limit)
    achieved = float(unknown_flags(scores["probability"], scores["is_noise"], None, rule,
                                   unknown_score=values).mean())
    return Thresholds(0.0, "training_quantile", bundle.thresholds.configured, float(target),
                      achieved, novelty=1.0, noise_is_unknown=noise_is_unknown,
                      unknown_score=limit)


def _with_thresholds(bundle: ScoringBundle, thresholds: Thresholds) -> ScoringBundle:
    # a new threshold makes a new file: the loaded file's hashes no longer apply
    provenance = {k: v for k, v in bundle.provenance.items()
                  if k not in ("bundle_sha256", "part_sha256")}
    return ScoringBundle(**{**vars(bundle), "thresholds": thresholds, "provenance": provenance})
