"""Configuration of the scoring bundle (derived from core; configs/scoring.yaml) and of the
scoring job's runs."""

from dagster import Config
from pydantic import Field

from motion_assets.core.scoring.config import ScoringBundleConfig
from motion_assets.defs.config_mirror import dagster_config_for

ScoringBundleRunConfig = dagster_config_for(ScoringBundleConfig)


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
