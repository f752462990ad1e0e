"""Surprisal: how badly the next-code model predicts a sequence, calibrated on training.

The ``ntp`` encoder is trained to predict code t+1 from codes up to t, so its mean negative
log-likelihood per predicted code says directly "nothing like this was seen in training":

    surprisal(x) = mean over t of  -log p(code_{t+1} | code_1..t)      nats per code
    rank(x)      = share of training sequences whose surprisal is below surprisal(x)   [0, 1]

Dividing by the number of predicted codes makes sequences of different lengths comparable.
The rank is what scoring combines with the kNN novelty (core/clustering/novelty.py): both are
uniform on training, so a threshold on either flags the share it was calibrated for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from motion_assets.core.encoder.inference import encoded_batches
from motion_assets.core.encoder.model import SequenceEncoder
from motion_assets.core.features.ranks import rank_below

# predicted steps per output-layer product (logits [steps, K] reused: 4 MB at K = 2048 for
# the code head; the digit head's are [steps, ~30]);
# scoring_benchmark.py's sweep (BENCHMARKS.md "Online scoring", two runs at load 9-13):
# 64-1,024 steps within noise of each other (246-329 sequences per CPU second), 4,096 the
# slowest in both bundles of both runs (195-273)
HEAD_STEPS = 512


def supports_surprisal(model: SequenceEncoder) -> bool:
    """Only a unidirectional next-code model has a next-code likelihood."""
    return model.config.objective.task == "ntp" and not model.config.model.bidirectional


@torch.inference_mode()
def embed_with_surprisal(model: SequenceEncoder, sequences: Sequence[np.ndarray], *,
                         batch_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(embed(model, sequences), sequence_surprisal(model, sequences))`` from one forward:
    the states that are pooled into the embedding also predict each next code (under the
    config's ``train.precision``, as ``embed`` runs them; float32 by default)."""
    if not supports_surprisal(model):
        raise ValueError(f"surprisal needs a unidirectional ntp encoder, this one is "
                         f"{model.config.objective.task}")
    embeddings = np.empty((len(sequences), model.embedding_dim), dtype=np.float32)
    surprisal = np.full(len(sequences), np.nan)
    for rows, pooled, (tokens, states) in encoded_batches(
            model, sequences, batch_size=batch_size, with_states=True):
        embeddings[rows] = pooled
        if tokens.shape[1] >= 2:  # one code has nothing to predict: NaN
            surprisal[rows] = _mean_surprise(model.head, states[:, :-1], tokens[:, 1:] - 1)
    return embeddings, surprisal


def sequence_surprisal(model: SequenceEncoder, sequences: Sequence[np.ndarray]) -> np.ndarray:
    """Mean next-code negative log-likelihood ``[N]`` float64, in input order.

    Sequences are cut to the model's ``max_len`` as in training; a sequence of one code has
    nothing to predict and gets NaN.
    """
    return embed_with_surprisal(model, sequences)[1]


def _mean_surprise(head, states: torch.Tensor, targets: torch.Tensor) -> np.ndarray:
    """Mean over steps of ``-log p(next code)`` per row ``[B]`` float64, from the model's
    next-code head (core/encoder/heads.py); the output layer runs on :data:`HEAD_STEPS`
    steps at a time into one reused logits buffer."""
    rows, steps = targets.shape
    inputs, targets = states.float().reshape(rows * steps, -1), targets.reshape(-1)
    surprise = inputs.new_empty(rows * steps)
    logits = inputs.new_empty(min(rows * steps, HEAD_STEPS), head.out_features)
    for start in range(0, rows * steps, HEAD_STEPS):
        chunk = slice(start, start + HEAD_STEPS)
        picked = targets[chunk]
        surprise[chunk] = head.nll(inputs[chunk], picked, logits[: len(picked)])
    return surprise.view(rows, steps).mean(1).double().cpu().numpy()


class SurprisalNovelty:
    """``fit(model, sequences)`` on training; ``score(model, sequences)`` -> rank in [0, 1].

    Keeps only the sorted training surprisals (not the model: the bundle stores the encoder
    once, as a checkpoint). NaN surprisal (one-code sequences) ranks 0: nothing to judge.
    """

    def fit(self, model: SequenceEncoder, sequences: Sequence[np.ndarray]) -> SurprisalNovelty:
        return self.fit_values(sequence_surprisal(model, sequences))

    def fit_values(self, surprisal: np.ndarray) -> SurprisalNovelty:
        """Fit on training surprisals already computed (``sequence_surprisal``'s values)."""
        values = surprisal[~np.isnan(surprisal)]
        if not len(values):
            raise ValueError("surprisal needs training sequences of at least two codes")
        self.training_surprisal_ = np.sort(values)
        return self

    def rank(self, surprisal: np.ndarray) -> np.ndarray:
        """Share of training surprisals strictly below each value (NaN -> 0)."""
        return rank_below(self.training_surprisal_, surprisal)

    def score(self, model: SequenceEncoder, sequences: Sequence[np.ndarray]) -> np.ndarray:
        return self.rank(sequence_surprisal(model, sequences))
