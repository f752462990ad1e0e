"""Unknown-action evidence from the trained encoder itself, each voice calibrated on training.

Voices, each a rank in [0, 1] (the share of training sequences scoring lower, so uniform on
training and comparable with each other):

- ``novelty``: kNN distance in the encoder's embedding (core/clustering/novelty.py,
  leave-one-out on training);
- ``surprisal``: the encoder's length-normalised next-code surprisal
  (core/encoder/surprisal.py);
- ``density``: minus the log-likelihood under a Gaussian mixture of the embedding (one
  component per cluster of the deployed model; diagonal covariance);
- ``transitions``: the code-to-code steps' surprisal under a bigram model of training's codes,
  calibrated on held-out recordings (core/scoring/code_transitions.py): its training ranks
  are cross-fitted over ``groups`` (videos), where the others are in-sample.

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
from motion_assets.core.features.ranks import rank_below
from motion_assets.core.scoring.code_transitions import TransitionNovelty

VOICES = ("novelty", "surprisal", "density", "transitions")
# benchmarks/quality_benchmark.py, SyntheticSpec.hard seeds 0-2 (BENCHMARKS.md): the largest and
# steadiest flagged gap at the calibrated threshold (0.226 ± 0.045). Surprisal + transitions
# ranked better on every 30-video seed (session 4) but the curation test's proposed new action
# lost purity with it (0.71 < 0.8, test_curation_assets): not the default until that is understood
DEFAULT_VOICES = ("novelty", "surprisal")


class UnknownDetector:
    """``fit(encoder, sequences)`` on training; ``voices(encoder, sequences)`` -> ranks per
    voice; ``score(voices)`` -> the combined, calibrated score ``[N]`` in [0, 1].

    Holds no model (the bundle stores the encoder once): the encoder is passed in.
    ``density_components``: mixture size for the density voice (e.g. the deployed cluster count).
    """

    transitions_: TransitionNovelty | None = None  # detectors pickled before the voice: none

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

    def fit(self, encoder: SequenceEncoder, sequences: Sequence[np.ndarray],
            groups: Sequence | None = None) -> UnknownDetector:
        """``groups``: one label per sequence (its video), for the voices calibrated on held-out
        groups (``transitions``); None: every sequence is a group of its own."""
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
        self.transitions_ = None
        training_transitions = None
        if "transitions" in self.voice_names:
            self.transitions_ = TransitionNovelty(random_state=self.random_state).fit(
                sequences, encoder.config.codebook_size, groups)
            # training's own ranks are its cross-fitted values, not the full model's in-sample
            training_transitions = self.transitions_.training_ranks_
        self.training_voices_ = self._voices(embeddings, surprisal, None)
        if training_transitions is not None:
            self.training_voices_["transitions"] = training_transitions
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

    @property
    def uses_codes(self) -> bool:
        """Whether a combined voice reads the codes themselves (``transitions``)."""
        return self.transitions_ is not None and "transitions" in self.voice_names

    def _voices(self, embeddings: np.ndarray, surprisal: np.ndarray | None,
                sequences: Sequence[np.ndarray] | None) -> dict[str, np.ndarray]:
        out = {"novelty": self.novelty_.score(embeddings)}
        if self.surprisal_ is not None:
            out["surprisal"] = self.surprisal_.rank(surprisal)
        if self.density_ is not None:
            out["density"] = rank_below(self.training_density_, -self.density_.score_samples(embeddings))
        if self.uses_codes and sequences is not None:
            out["transitions"] = self.transitions_.rank(sequences)
        return out

    def voices(self, encoder: SequenceEncoder, sequences: Sequence[np.ndarray],
               embeddings: np.ndarray | None = None,
               surprisal: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every fitted voice's rank ``[N]``. ``embeddings`` (the encoder's) and ``surprisal``
        (``sequence_surprisal``'s nats), when at hand, are not computed again; missing both,
        one forward gives both (``embed_with_surprisal``). ``sequences`` (the codes) may be
        None when both are given and no fitted voice reads codes (``transitions``)."""
        if not hasattr(self, "training_combined_"):
            raise RuntimeError("the unknown detector is not fitted: call fit first")
        if sequences is None and (self.uses_codes or embeddings is None
                                  or (self.uses_surprisal and surprisal is None)):
            raise ValueError("the unknown detector needs the sequences' codes for its voices")
        needs_surprisal = self.uses_surprisal and surprisal is None
        if embeddings is None and needs_surprisal:
            embeddings, surprisal = embed_with_surprisal(encoder, sequences)
        elif embeddings is None:
            embeddings = embed(encoder, sequences)
        elif needs_surprisal:
            surprisal = sequence_surprisal(encoder, sequences)
        return self._voices(embeddings, surprisal, sequences)

    def _combine(self, voices: dict[str, np.ndarray]) -> np.ndarray:
        return np.mean([voices[name] for name in self.voice_names], axis=0)

    def score(self, voices: dict[str, np.ndarray]) -> np.ndarray:
        """The combined score: the mean voice rank, as the share of training below it."""
        return rank_below(self.training_combined_, self._combine(voices))
