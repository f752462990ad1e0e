"""scoring.yaml: how the scoring_bundle asset builds the bundle that scores new files."""

from __future__ import annotations

from dataclasses import dataclass

from motion_assets.core.config import ConfigError, ConfigSection, check_choice, check_range, setting
from motion_assets.core.scoring.bundle import NOISE_IS_UNKNOWN

DEPLOYABLE = ("bayes_gmm", "hdbscan")


@dataclass(frozen=True)
class ScoringBundleConfig(ConfigSection):
    clusterer: str = setting("bayes_gmm", "The deployed model: bayes_gmm or hdbscan")
    threshold: float | None = setting(
        None, "Probability below which a sequence is unknown; null = calibrate")
    target_unknown_share: float = setting(
        0.05, "Calibration: share of the training sequences flagged unknown")
    noise_is_unknown: bool = setting(
        NOISE_IS_UNKNOWN, "With HDBSCAN: also flag its noise (often ~40% of training, far above "
        "the target); by default noise is left to the novelty score")

    def __post_init__(self) -> None:
        check_choice("clusterer", self.clusterer, DEPLOYABLE)
        if self.threshold is not None:
            check_range("threshold", self.threshold, 0, 1)
        if not 0 < self.target_unknown_share < 1:
            raise ConfigError(f"target_unknown_share: must lie in (0, 1), got "
                              f"{self.target_unknown_share}")
