"""The learned encoder behind the featurizer protocol."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from motion_assets.core.encoder.config import SequenceEmbedConfig
from motion_assets.core.encoder.inference import embed
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.training import TrainingResult, train_encoder
from motion_assets.core.sequences.facts import table_levels
from motion_assets.core.sequences.overlap import featurizer_sequences


class EncoderFeaturizer:
    """The learned encoder behind the featurizer protocol: fit = train, transform = embed."""

    def __init__(self, config: SequenceEmbedConfig | None = None, remove_overlap: bool = False):
        self.config = config or SequenceEmbedConfig()
        self.remove_overlap = remove_overlap
        self.model_: SequenceEncoder | None = None
        self.result_: TrainingResult | None = None

    @property
    def name(self) -> str:
        suffix = "_no_overlap" if self.remove_overlap else ""
        return f"encoder_{self.config.objective.task}{suffix}"

    @classmethod
    def from_model(cls, model: SequenceEncoder, remove_overlap: bool = False) -> EncoderFeaturizer:
        featurizer = cls(model.config, remove_overlap)
        featurizer.model_ = model
        return featurizer

    def fit(self, table: pd.DataFrame) -> EncoderFeaturizer:
        config = self.config
        if config.codebook_levels is None:
            levels = table_levels(table)
            config = dataclasses.replace(config, codebook_levels=list(levels) if levels else None)
        self.result_ = train_encoder(featurizer_sequences(table, self.remove_overlap), config)
        self.model_ = self.result_.model
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        if self.model_ is None:
            raise RuntimeError(f"{self.name} is not fitted: call fit(table) first")
        return embed(self.model_, featurizer_sequences(table, self.remove_overlap))

    def fit_transform(self, table: pd.DataFrame) -> np.ndarray:
        return self.fit(table).transform(table)
