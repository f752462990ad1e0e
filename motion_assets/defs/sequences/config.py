"""Launchpad config of the sequence assets, derived from the core sections."""

from motion_assets.core.sequences.config import IngestConfig, LabelledSequencesConfig
from motion_assets.defs.config_mirror import dagster_config_for

IngestRunConfig = dagster_config_for(IngestConfig)
LabelledSequencesRunConfig = dagster_config_for(LabelledSequencesConfig)
