"""Configuration of the scoring bundle and the scoring job; configs/scoring.yaml mirrors it."""

from dagster import Config
from pydantic import Field

from motion_assets.core.scoring.bundle import NOISE_IS_UNKNOWN


class ScoringBundleConfig(Config):
    featurizer: str = Field("auto", description="The deployed featurizer: auto (the evidence "
                            "picks, core/scoring/model_selection.py) or a candidate's name, e.g. "
                            "encoder_ntp, code_ngram12_tfidf")
    clusterer: str = Field("auto", description="The deployed clusterer: auto (the evidence "
                           "picks) or hdbscan, bayes_gmm, kmeans, spectral")
    threshold: float | None = Field(
        None, description="Probability below which a sequence is unknown; null = calibrate"
    )
    target_unknown_share: float = Field(
        0.05, description="Calibration: share of the training sequences flagged unknown"
    )
    noise_is_unknown: bool = Field(
        NOISE_IS_UNKNOWN, description="With HDBSCAN: also flag its noise (often ~40% of training, "
        "far above the target); by default noise is left to the novelty score"
    )


class ScoreSequencesConfig(Config):
    files: list[str] = Field(default_factory=list, description="Files to score, relative to "
                             "<incoming_root>/<variant> (or absolute paths inside it)")
    folder: str | None = Field(None, description="Score every sequence file under this folder "
                               "(relative to <incoming_root>/<variant>; '.' = all of it)")
    threshold: float | None = Field(None, description="Override the bundle's probability "
                                    "threshold (other settings kept); its scores are an identity "
                                    "of their own, marked threshold_source=override")
    bundle_version: str | None = Field(None, description="Refuse to run unless the latest "
                                       "bundle's hash starts with this")
    recent_window: int = Field(500, description="Monitoring: the last N scores for the unknown share")
    max_unknown_share: float = Field(0.2, description="Monitoring: warn above this recent unknown share")
    max_cluster_drift: float = Field(0.2, description="Monitoring: warn above this total variation "
                                     "distance between online and training cluster shares")
