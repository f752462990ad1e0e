"""What a clusterer says about each sequence, and the protocol every clusterer follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

NOISE = -1


@dataclass(frozen=True)
class Assignments:
    """Per sequence (row i = input row i): cluster, probability, outlier score, noise flag."""

    cluster: np.ndarray  # int64, -1 = noise
    probability: np.ndarray  # float64 in [0, 1]
    outlier_score: np.ndarray  # float64 in [0, 1]
    is_noise: np.ndarray  # bool

    def is_unknown(self, threshold: float) -> np.ndarray:
        """Noise, or a probability below ``threshold``: not forced into a cluster."""
        return self.is_noise | (self.probability < threshold)

    def to_frame(self, threshold: float, sequence_ids=None) -> pd.DataFrame:
        frame = pd.DataFrame({
            "sequence_index": np.arange(len(self.cluster), dtype=np.int64),
            "cluster": self.cluster.astype(np.int64),
            "probability": self.probability,
            "outlier_score": self.outlier_score,
            "is_noise": self.is_noise,
            "is_unknown": self.is_unknown(threshold),
        })
        if sequence_ids is not None:
            frame.insert(1, "sequence_id", pd.Series(list(sequence_ids), dtype="str"))
        return frame


@runtime_checkable
class Clusterer(Protocol):
    labels_: np.ndarray
    n_clusters_: int
    probability_threshold: float
    training_assignments_: Assignments

    def fit(self, features) -> Clusterer: ...
    def predict(self, features) -> np.ndarray: ...
    def predict_proba(self, features) -> np.ndarray: ...
    def assign(self, features) -> Assignments: ...
    def decided_config(self): ...  # settings for a refit on other rows, the fit's choices fixed
