"""When a scored sequence is ``unknown``: the thresholds a scoring bundle carries.

Kept apart from the bundle (which imports torch and sklearn) so that the numpy scoring
runtime applies the same thresholds, and overrides them the same way, without those imports.
"""

from __future__ import annotations

from dataclasses import dataclass

# The one default of whether HDBSCAN noise counts as unknown: noise is ~40 % of the known
# training sequences, so counting it flags far more than any target share; novelty covers it.
NOISE_IS_UNKNOWN = False
THRESHOLD_METHODS = ("configured", "training_quantile", "override")


@dataclass(frozen=True)
class Thresholds:
    """When a sequence is ``unknown``: HDBSCAN noise (when ``noise_is_unknown``), or a
    probability below ``probability`` (noise aside), or a kNN novelty above ``novelty``.

    ``method``: ``"configured"`` (the clusterer config's value), ``"training_quantile"``
    (:func:`motion_assets.core.scoring.calibrate_thresholds` on the training sequences) or
    ``"override"`` (set at scoring time by :func:`override_thresholds`);
    ``target_unknown_share``/``achieved_unknown_share``: the share of training sequences
    asked to be, and actually, flagged unknown under these thresholds (None when configured).
    ``novelty``: None = the cluster pipeline's configured novelty threshold; 1.0 = never.
    ``unknown_score``: with an unknown detector, a score above this is unknown (None: unused).
    """

    probability: float
    method: str = "configured"
    configured: float | None = None
    target_unknown_share: float | None = None
    achieved_unknown_share: float | None = None
    novelty: float | None = None
    noise_is_unknown: bool = NOISE_IS_UNKNOWN
    unknown_score: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability threshold must lie in [0, 1], got {self.probability}")
        if self.novelty is not None and not 0.0 <= self.novelty <= 1.0:
            raise ValueError(f"novelty threshold must lie in [0, 1], got {self.novelty}")
        if self.method not in THRESHOLD_METHODS:
            raise ValueError(f"threshold method must be one of {THRESHOLD_METHODS}, "
                             f"got {self.method!r}")


def overridden(current: Thresholds, probability: float | None = None,
               novelty: float | None = None) -> Thresholds:
    """``current`` with the given thresholds replaced (None keeps its own), marked
    ``"override"``; noise handling and the unknown-score threshold stay, the calibration
    shares are dropped (they described the thresholds replaced)."""
    return Thresholds(
        current.probability if probability is None else float(probability), "override",
        current.configured, novelty=current.novelty if novelty is None else float(novelty),
        noise_is_unknown=current.noise_is_unknown, unknown_score=current.unknown_score,
    )
