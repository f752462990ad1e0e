"""Launchpad config of the clustering assets, generated from the core dataclasses.

configs/hdbscan_config.yaml, bayes_gmm_config.yaml and eval_config.yaml hold the same keys
(the old tool's: preprocessing.lstm_feature.pca.*, clustering.hdbscan.*, ...).
"""

from motion_assets.core.clustering.config import ClusteringPipelineConfig, UmapConfig
from motion_assets.defs.config_mirror import dagster_config_for

ClusteringRunConfig = dagster_config_for(ClusteringPipelineConfig)
UmapRunConfig = dagster_config_for(UmapConfig)
