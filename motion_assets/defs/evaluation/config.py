"""Launchpad config of labelled_evaluation, derived from the core sections."""

from motion_assets.core.evaluation.config import LeaderboardConfig
from motion_assets.defs.config_mirror import dagster_config_for

LeaderboardRunConfig = dagster_config_for(LeaderboardConfig)
