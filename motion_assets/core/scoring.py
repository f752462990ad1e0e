"""Score sequences with a loaded scoring bundle: the one code path for batch and online.

``score_sequences(bundle, table)`` featurizes a ``code_sequences`` table with the bundle's
featurizer, runs the fitted cluster pipeline's ``assign`` and returns one row per sequence
(columns in :data:`SCORE_COLUMNS`):

    sequence_id     string
    cluster         int64    the clusterer's label (HDBSCAN noise = -1), as in the batch fit
    best_cluster    int64    the most likely cluster even for noise (argmax soft membership)
    probability     float64  HDBSCAN: membership strength (approximate_predict); GMM: posterior
    soft_probability float64 max soft membership (HDBSCAN membership vector; GMM: posterior)
    outlier_score   float64  in [0, 1], higher = more unusual (GLOSH; GMM likelihood rank)
    novelty         float64  in [0, 1], kNN distance to the training embeddings as the share
                             of training sequences less isolated (core/novelty.py); NaN
                             for a pipeline without a novelty model
    is_noise        bool     HDBSCAN noise
    unknown         bool     noise (if the thresholds count it), or probability below the
                             bundle's threshold, or novelty above its novelty threshold
    unknown_score   float64  in [0, 1], higher = more likely an unknown action (for AUROC)
    bundle_hash     string   sha256 of the bundle file the scores came from

It loads nothing: the caller loads the bundle once (scoring_bundle.bundle_from_bytes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from motion_assets.core.cluster_assignments import NOISE
from motion_assets.core.featurizers import table_levels
from motion_assets.core.reader import content_hash, sequence_record
from motion_assets.core.scoring_bundle import ScoringBundle, Thresholds
from motion_assets.core.sequence_table import CODE_SEQUENCES_SCHEMA

SCORE_COLUMNS = ("sequence_id", "cluster", "best_cluster", "probability", "soft_probability",
                 "outlier_score", "novelty", "is_noise", "unknown", "unknown_score", "bundle_hash")
BATCH_ROWS = 4096  # rows featurized and assigned at once (bounds memory on big tables)
NOVELTY_WEIGHT = 1.0  # calibration: share of the unknown budget given to novelty (measured:
# the probability ranks the unseen action no better than chance, novelty at AUROC ~0.75)
NOISE_IS_UNKNOWN = False  # calibration: HDBSCAN noise is ~40 % of known training sequences, so
# counting it flags far more than the target; calibrated bundles leave noise to novelty


def _noise_or_outlier(probability, soft, outlier, is_noise, novelty=None):
    # noise first (1 + outlier, shrunk into [0.5, 1]), else the GLOSH / likelihood rank
    return np.where(is_noise, 0.5 + 0.5 * outlier, 0.5 * outlier)


def _novelty_or(novelty, fallback):
    """The novelty where there is one (a pipeline without a novelty model gives NaN)."""
    if novelty is None:
        return fallback
    novelty = np.asarray(novelty, dtype=np.float64)
    return np.where(np.isnan(novelty), fallback, novelty)


# unknown_score definitions: (probability, soft, outlier, is_noise, novelty) -> [N] in [0, 1].
# Compared on the unseen synthetic action in benchmarks/quality_benchmark.py.
UNKNOWN_SCORES = {
    "one_minus_probability": lambda p, soft, outlier, noise, novelty=None: 1.0 - p,
    "one_minus_soft": lambda p, soft, outlier, noise, novelty=None: 1.0 - soft,
    "outlier": lambda p, soft, outlier, noise, novelty=None: outlier,
    "mean_probability_outlier": lambda p, soft, outlier, noise, novelty=None: 0.5 * (1.0 - p + outlier),
    "noise_or_outlier": _noise_or_outlier,
    "novelty": lambda p, soft, outlier, noise, novelty=None: _novelty_or(novelty, outlier),
    "mean_novelty_outlier": lambda p, soft, outlier, noise, novelty=None:
        0.5 * (_novelty_or(novelty, outlier) + outlier),
    "max_novelty_outlier": lambda p, soft, outlier, noise, novelty=None:
        np.maximum(_novelty_or(novelty, outlier), outlier),
}


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


def unknown_flags(probability, is_noise, novelty, thresholds: Thresholds,
                  novelty_threshold: float | None = None) -> np.ndarray:
    """The ``unknown`` rule: noise (if counted), or (not noise and) probability below the
    threshold, or novelty above the novelty threshold (None or NaN novelty: not used)."""
    probability = np.asarray(probability, dtype=np.float64)
    is_noise = np.asarray(is_noise, dtype=bool)
    flags = (~is_noise & (probability < thresholds.probability))
    if thresholds.noise_is_unknown:
        flags |= is_noise
    limit = thresholds.novelty if thresholds.novelty is not None else novelty_threshold
    if limit is not None and novelty is not None:
        novelty = np.asarray(novelty, dtype=np.float64)
        flags |= np.nan_to_num(novelty, nan=-1.0) > limit
    return flags


def calibrate_thresholds(probability, is_noise, novelty, target_unknown_share: float, *,
                         novelty_weight: float = NOVELTY_WEIGHT,
                         noise_is_unknown: bool = True) -> tuple[float, float | None, float]:
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
    novelty = scores["novelty"].to_numpy()
    probability, novelty_threshold, achieved = calibrate_thresholds(
        scores["probability"].to_numpy(), scores["is_noise"].to_numpy(),
        None if np.isnan(novelty).all() else novelty, target_unknown_share,
        novelty_weight=novelty_weight, noise_is_unknown=noise_counts)
    thresholds = Thresholds(probability, "training_quantile", bundle.thresholds.configured,
                            float(target_unknown_share), achieved,
                            novelty=1.0 if novelty_threshold is None else novelty_threshold,
                            noise_is_unknown=noise_counts)
    # a new threshold makes a new file: the loaded file's hashes no longer apply
    provenance = {k: v for k, v in bundle.provenance.items()
                  if k not in ("bundle_sha256", "part_sha256")}
    return ScoringBundle(**{**vars(bundle), "thresholds": thresholds, "provenance": provenance})


def score_sequences(bundle: ScoringBundle, table: pd.DataFrame, *, bundle_hash: str | None = None,
                    batch_rows: int = BATCH_ROWS) -> pd.DataFrame:
    """Scores for every row of a ``code_sequences`` table, in input order (see module doc).

    ``bundle_hash`` defaults to the hash the bundle was loaded with (None if built in memory).
    """
    _check_table(bundle, table)
    digest = bundle_hash or bundle.provenance.get("bundle_sha256")
    parts = [_score_batch(bundle, table.iloc[start : start + batch_rows])
             for start in range(0, len(table), batch_rows)]
    columns = {"sequence_id": pd.Series(table["sequence_id"].to_numpy(), dtype="str")}
    for name in SCORE_COLUMNS[1:-1]:
        columns[name] = np.concatenate([part[name] for part in parts]) if parts else _EMPTY[name]
    columns["bundle_hash"] = pd.Series([digest] * len(table), dtype="str")
    return pd.DataFrame(columns)


_EMPTY = {"cluster": np.zeros(0, np.int64), "best_cluster": np.zeros(0, np.int64),
          "probability": np.zeros(0), "soft_probability": np.zeros(0),
          "outlier_score": np.zeros(0), "novelty": np.zeros(0), "is_noise": np.zeros(0, bool),
          "unknown": np.zeros(0, bool), "unknown_score": np.zeros(0)}


def _score_batch(bundle: ScoringBundle, table: pd.DataFrame) -> dict[str, np.ndarray]:
    """The score columns (all but sequence_id and bundle_hash) of one batch of rows."""
    features = bundle.featurizer.transform(table)
    pipeline = bundle.pipeline
    if hasattr(pipeline, "score_parts"):
        assignments, soft, column_ids, novelty = pipeline.score_parts(features)
    else:  # a pipeline object from before novelty
        assignments, soft, column_ids = pipeline.assign_with_soft_membership(features)
        novelty = np.full(len(table), np.nan)
    if soft.shape[1]:
        best, soft_max = column_ids[soft.argmax(axis=1)], soft.max(axis=1)
    else:  # a fit that found no cluster: everything is noise
        best, soft_max = np.full(len(table), NOISE, dtype=np.int64), np.zeros(len(table))
    score = UNKNOWN_SCORES[bundle.unknown_score](
        assignments.probability, soft_max, assignments.outlier_score, assignments.is_noise, novelty)
    return {
        "cluster": assignments.cluster.astype(np.int64),
        "best_cluster": np.where(assignments.is_noise, best, assignments.cluster),
        "probability": assignments.probability,
        "soft_probability": soft_max,
        "outlier_score": assignments.outlier_score,
        "novelty": novelty,
        "is_noise": assignments.is_noise,
        "unknown": unknown_flags(assignments.probability, assignments.is_noise, novelty,
                                 bundle.thresholds, getattr(pipeline, "novelty_threshold", None)),
        "unknown_score": np.clip(score, 0.0, 1.0),
    }


def _check_table(bundle: ScoringBundle, table: pd.DataFrame) -> None:
    """Refuse rows the bundle's codebook cannot score (the same range the reader enforces)."""
    if not len(table):
        return
    for sequence_id, codes in zip(table["sequence_id"], table["codes"]):
        codes = np.asarray(codes)
        if not codes.size:
            raise ValueError(f"sequence {sequence_id!r} has no codes")
        if codes.min() < 0 or codes.max() >= bundle.codebook_size:
            raise ValueError(f"sequence {sequence_id!r} has codes outside "
                             f"[0, {bundle.codebook_size}), the bundle's codebook")
    levels = table_levels(table)
    if levels and bundle.codebook_levels and tuple(levels) != tuple(bundle.codebook_levels):
        raise ValueError(f"the table's FSQ levels {list(levels)} differ from the bundle's "
                         f"{list(bundle.codebook_levels)}: score each variant with its own bundle")


def score_codes(bundle: ScoringBundle, codes, codes_per_window: int | None = None,
                sequence_id: str = "codes", **score_options) -> pd.DataFrame:
    """Score one sequence given as codes: windows (``[[...], ...]``) or a flat list.

    A flat list is cut into windows of ``codes_per_window`` (default: the bundle's d). The
    row is validated and built by the reader (``sequence_record``), exactly as a file
    would be; an invalid sequence raises ``reader.SequenceRejected`` with the reason.
    """
    return score_sequences(bundle, codes_table(bundle, codes, codes_per_window, sequence_id),
                           **score_options)


def codes_table(bundle: ScoringBundle, codes, codes_per_window: int | None = None,
                sequence_id: str = "codes") -> pd.DataFrame:
    """A one-row ``code_sequences`` table for ``codes`` (see :func:`score_codes`)."""
    codes = [_plain(c) for c in codes] if isinstance(codes, Sequence | np.ndarray) else codes
    if codes and isinstance(codes[0], list):
        document = {"codes_windows": codes}
    else:
        d = codes_per_window or bundle.codes_per_window
        document = {"code_sequences_flat": codes, "meta": {"encoder_sequence_len": d}}
    settings = bundle.codebook_settings()
    record = sequence_record(document, settings, settings.resolve())
    record.update(sequence_id=sequence_id, relative_path=None, line=None, video=None,
                  source_schema="codes", duplicate_of=None,
                  content_hash=content_hash(None, None, record["codes"]))
    return pd.DataFrame([{name: record.get(name) for name in CODE_SEQUENCES_SCHEMA.names}])


def _plain(value):
    """numpy integers -> int (the reader accepts only true ints); lists recursively."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    return value

