"""Launchpad config of the clustering assets, derived from the core sections."""

from motion_assets.core.clustering.config import BayesGmmFitConfig, HdbscanFitConfig
from motion_assets.core.evaluation.config import ProjectionConfig
from motion_assets.defs.config_mirror import dagster_config_for

HdbscanRunConfig = dagster_config_for(HdbscanFitConfig)
BayesGmmRunConfig = dagster_config_for(BayesGmmFitConfig)
ProjectionRunConfig = dagster_config_for(ProjectionConfig)
