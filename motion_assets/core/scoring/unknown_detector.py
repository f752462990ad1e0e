"""Unknown-action evidence from the trained encoder itself, each voice calibrated on training.

Voices, each a rank in [0, 1] (the share of training sequences scoring lower, so uniform on
training and comparable with each other):

- ``novelty``: kNN distance in the encoder's embedding (core/clustering/novelty.py,
  leave-one-out on training);
- ``surprisal``: the encoder's length-normalised next-code surprisal
  (core/encoder/surprisal.py);
- ``density``: minus the log-likelihood under a Gaussian mixture of the embedding (one
  component per cluster of the deployed model; diagonal covariance).

The detector's score is the mean of the chosen voices' ranks, ranked once more against the
training sequences: a threshold ``1 - s`` on it flags the share ``s`` of training. The clusterer
space is not used: a label-guided or LSA space may squeeze away exactly what sets an unseen
action apart, while the encoder was trained on all of training's codes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.mixture import GaussianMixture

from motion_assets.core.clustering.novelty import KnnNovelty
from motion_assets.core.encoder.inference import embed
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.encoder.surprisal import (
    SurprisalNovelty,
    embed_with_surprisal,
    sequence_surprisal,
    supports_surprisal,
)

VOICES = ("novelty", "surprisal", "density")
# benchmarks/quality_benchmark.py, SyntheticSpec.hard seeds 0-2 (BENCHMARKS.md): the largest and
# steadiest flagged gap at the calibrated threshold (0.226 ± 0.045); AUROCs within noise
DEFAULT_VOICES = ("novelty", "surprisal")


def _rank(reference_sorted: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.searchsorted(reference_sorted, values, side="left") / len(reference_sorted)


class UnknownDetector:
    """``fit(encoder, sequences)`` on training; ``voices(encoder, sequences)`` -> ranks per
    voice; ``score(voices)`` -> the combined, calibrated score ``[N]`` in [0, 1].

    Holds no model (the bundle stores the encoder once): the encoder is passed in.
    ``density_components``: mixture size for the density voice (e.g. the deployed cluster count).
    """

    def __init__(self, voices: Sequence[str] = DEFAULT_VOICES, k: int = 5,
                 max_reference: int = 20_000, density_components: int = 8,
                 random_state: int = 0) -> None:
        unknown = sorted(set(voices) - set(VOICES))
        if unknown or not voices:
            raise ValueError(f"unknown-detector voices must be some of {VOICES}, got {list(voices)}")
        self.voice_names = tuple(voices)
        self.k = k
        self.max_reference = max_reference
        self.density_components = density_components
        self.random_state = random_state

    def fit(self, encoder: SequenceEncoder, sequences: Sequence[np.ndarray]) -> UnknownDetector:
        if "surprisal" in self.voice_names and not supports_surprisal(encoder):
            raise ValueError("the surprisal voice needs a unidirectional ntp encoder")
        uses_surprisal = "surprisal" in self.voice_names
        embeddings, surprisal = (embed_with_surprisal(encoder, sequences) if uses_surprisal
                                 else (embed(encoder, sequences), None))
        self.novelty_ = KnnNovelty(self.k, self.max_reference, normalize=True,
                                   random_state=self.random_state).fit(embeddings)
        self.surprisal_ = SurprisalNovelty().fit_values(surprisal) if uses_surprisal else None
        self.density_ = None
        if "density" in self.voice_names:
            self.density_ = GaussianMixture(min(self.density_components, len(embeddings) - 1),
                                            covariance_type="diag", reg_covar=1e-4,
                                            random_state=self.random_state).fit(embeddings)
            self.training_density_ = np.sort(-self.density_.score_samples(embeddings))
        self.training_voices_ = self._voices(embeddings, surprisal)
        self.training_combined_ = np.sort(self._combine(self.training_voices_))
        return self

    def with_voices(self, voices: Sequence[str]) -> UnknownDetector:
        """A copy that combines only ``voices`` (all fitted here), recalibrated on training."""
        missing = sorted(set(voices) - set(self.training_voices_))
        if missing or not voices:
            raise ValueError(f"voices {missing or list(voices)} were not fitted")
        copy = UnknownDetector.__new__(UnknownDetector)
        copy.__dict__.update(self.__dict__)
        copy.voice_names = tuple(voices)
        copy.training_combined_ = np.sort(copy._combine(self.training_voices_))
        return copy

    @property
    def uses_surprisal(self) -> bool:
        """Whether a voice needs the encoder's next-code surprisal (a fitted one)."""
        return self.surprisal_ is not None

    def _voices(self, embeddings: np.ndarray, surprisal: np.ndarray | None) -> dict[str, np.ndarray]:
        out = {"novelty": self.novelty_.score(embeddings)}
        if self.surprisal_ is not None:
            out["surprisal"] = self.surprisal_.rank(surprisal)
        if self.density_ is not None:
            out["density"] = _rank(self.training_density_, -self.density_.score_samples(embeddings))
        return out

    def voices(self, encoder: SequenceEncoder, sequences: Sequence[np.ndarray],
               embeddings: np.ndarray | None = None,
               surprisal: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every fitted voice's rank ``[N]``. ``embeddings`` (the encoder's) and ``surprisal``
        (``sequence_surprisal``'s nats), when at hand, are not computed again; missing both,
        one forward gives both (``embed_with_surprisal``)."""
        if not hasattr(self, "training_combined_"):
            raise RuntimeError("the unknown detector is not fitted: call fit first")
        needs_surprisal = self.uses_surprisal and surprisal is None
        if embeddings is None and needs_surprisal:
            embeddings, surprisal = embed_with_surprisal(encoder, sequences)
        elif embeddings is None:
            embeddings = embed(encoder, sequences)
        elif needs_surprisal:
            surprisal = sequence_surprisal(encoder, sequences)
        return self._voices(embeddings, surprisal)

    def _combine(self, voices: dict[str, np.ndarray]) -> np.ndarray:
        return np.mean([voices[name] for name in self.voice_names], axis=0)

    def score(self, voices: dict[str, np.ndarray]) -> np.ndarray:
        """The combined score: the mean voice rank, as the share of training below it."""
        return _rank(self.training_combined_, self._combine(voices))
