"""Launchpad config of sequence_encoder, derived from the core sections."""

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.defs.config_mirror import dagster_config_for

SequenceEmbedRunConfig = dagster_config_for(SequenceEmbedConfig)
